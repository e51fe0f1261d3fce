CREATE TABLE `classes` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `classes_name_unique` ON `classes` (`name`);--> statement-breakpoint
CREATE TABLE `images` (
	`id` integer PRIMARY KEY NOT NULL,
	`fold` integer NOT NULL,
	`fold_index` integer NOT NULL,
	`tissue_id` integer NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`nucleus_count` integer NOT NULL,
	`void_pixels` integer NOT NULL,
	`overlap_pixels` integer NOT NULL,
	FOREIGN KEY (`tissue_id`) REFERENCES `tissues`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `images_fold_index` ON `images` (`fold`,`fold_index`);--> statement-breakpoint
CREATE INDEX `images_tissue` ON `images` (`tissue_id`);--> statement-breakpoint
CREATE TABLE `metadata` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `nuclei` (
	`id` integer PRIMARY KEY NOT NULL,
	`image_id` integer NOT NULL,
	`class_id` integer NOT NULL,
	`instance_id` integer NOT NULL,
	`area` integer NOT NULL,
	`bbox_x0` integer NOT NULL,
	`bbox_y0` integer NOT NULL,
	`bbox_x1` integer NOT NULL,
	`bbox_y1` integer NOT NULL,
	`centroid_x` real NOT NULL,
	`centroid_y` real NOT NULL,
	`perimeter` integer NOT NULL,
	`major_axis_length` real NOT NULL,
	`minor_axis_length` real NOT NULL,
	`eccentricity` real NOT NULL,
	`orientation` real NOT NULL,
	`parts` integer NOT NULL,
	`overlap_area` integer NOT NULL,
	`shared_id` integer NOT NULL,
	`contour` blob NOT NULL,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`class_id`) REFERENCES `classes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nuclei_image_class_instance` ON `nuclei` (`image_id`,`class_id`,`instance_id`);--> statement-breakpoint
CREATE INDEX `nuclei_class_area` ON `nuclei` (`class_id`,`area`);--> statement-breakpoint
CREATE TABLE `tissues` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tissues_name_unique` ON `tissues` (`name`);--> statement-breakpoint
CREATE VIEW `nucleus_facts` AS select "nuclei"."id" as "nucleus_id", "images"."fold", "nuclei"."image_id", "images"."fold_index", "tissues"."name" as "tissue", "classes"."name" as "class", "nuclei"."class_id", "nuclei"."instance_id", "nuclei"."area", "nuclei"."bbox_x0", "nuclei"."bbox_y0", "nuclei"."bbox_x1", "nuclei"."bbox_y1", "nuclei"."centroid_x", "nuclei"."centroid_y", "nuclei"."perimeter", "nuclei"."major_axis_length", "nuclei"."minor_axis_length", "nuclei"."eccentricity", "nuclei"."orientation", "nuclei"."parts", "nuclei"."overlap_area", "nuclei"."shared_id" from "nuclei" inner join "images" on "images"."id" = "nuclei"."image_id" inner join "tissues" on "tissues"."id" = "images"."tissue_id" inner join "classes" on "classes"."id" = "nuclei"."class_id";