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
CREATE TABLE `ingest_runs` (
	`id` integer PRIMARY KEY NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`tool_version` text NOT NULL,
	`options` text NOT NULL,
	`status` text NOT NULL,
	`host` text NOT NULL,
	`pid` integer NOT NULL,
	`images` integer NOT NULL,
	`nuclei` integer NOT NULL,
	`error` text
);
--> statement-breakpoint
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
	`holes` integer NOT NULL,
	`overlap_area` integer NOT NULL,
	`shared_id` integer NOT NULL,
	`contour` blob NOT NULL,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`class_id`) REFERENCES `classes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nuclei_image_class_instance` ON `nuclei` (`image_id`,`class_id`,`instance_id`);--> statement-breakpoint
CREATE INDEX `nuclei_class_area` ON `nuclei` (`class_id`,`area`);--> statement-breakpoint
CREATE TABLE `sources` (
	`id` integer PRIMARY KEY NOT NULL,
	`fold` integer NOT NULL,
	`role` text NOT NULL,
	`path` text NOT NULL,
	`bytes` integer NOT NULL,
	`mtime` text NOT NULL,
	`fingerprint` text NOT NULL,
	`fingerprint_kind` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sources_fold_role` ON `sources` (`fold`,`role`);--> statement-breakpoint
CREATE TABLE `subset_members` (
	`subset_id` integer NOT NULL,
	`nucleus_id` integer NOT NULL,
	`image_id` integer NOT NULL,
	PRIMARY KEY(`subset_id`, `nucleus_id`),
	FOREIGN KEY (`subset_id`) REFERENCES `subsets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`nucleus_id`) REFERENCES `nuclei`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `subset_members_image` ON `subset_members` (`subset_id`,`image_id`);--> statement-breakpoint
CREATE INDEX `subset_members_nucleus` ON `subset_members` (`nucleus_id`);--> statement-breakpoint
CREATE TABLE `subsets` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL,
	`kind` text NOT NULL,
	`options` text NOT NULL,
	`seed` integer NOT NULL,
	`nuclei` integer NOT NULL,
	`images` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subsets_name_unique` ON `subsets` (`name`);--> statement-breakpoint
CREATE TABLE `tissues` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tissues_name_unique` ON `tissues` (`name`);--> statement-breakpoint
CREATE VIEW `class_distribution` AS 
  SELECT i.fold AS fold, t.name AS tissue, c.name AS class, count(*) AS nuclei, count(DISTINCT n.image_id) AS images,
         avg(n.area) AS mean_area
    FROM "nuclei" n JOIN "images" i ON i.id = n.image_id JOIN "tissues" t ON t.id = i.tissue_id JOIN "classes" c ON c.id = n.class_id
   GROUP BY i.fold, t.name, c.id
;--> statement-breakpoint
CREATE VIEW `image_summary` AS 
  SELECT i.id AS image_id, i.fold AS fold, i.fold_index AS fold_index, t.name AS tissue,
         count(n.id) FILTER (WHERE n.class_id = 1) AS neoplastic,
         count(n.id) FILTER (WHERE n.class_id = 2) AS inflammatory,
         count(n.id) FILTER (WHERE n.class_id = 3) AS connective,
         count(n.id) FILTER (WHERE n.class_id = 4) AS dead,
         count(n.id) FILTER (WHERE n.class_id = 5) AS epithelial,
         count(n.id) AS nuclei
    FROM "images" i JOIN "tissues" t ON t.id = i.tissue_id LEFT JOIN "nuclei" n ON n.image_id = i.id
   GROUP BY i.id
;--> statement-breakpoint
CREATE VIEW `nucleus_facts` AS select "nuclei"."id" as "nucleus_id", "images"."fold", "nuclei"."image_id", "images"."fold_index", "tissues"."name" as "tissue", "classes"."name" as "class", "nuclei"."class_id", "nuclei"."instance_id", "nuclei"."area", "nuclei"."bbox_x0", "nuclei"."bbox_y0", "nuclei"."bbox_x1", "nuclei"."bbox_y1", "nuclei"."centroid_x", "nuclei"."centroid_y", "nuclei"."perimeter", "nuclei"."major_axis_length", "nuclei"."minor_axis_length", "nuclei"."eccentricity", "nuclei"."orientation", "nuclei"."parts", "nuclei"."holes", "nuclei"."overlap_area", "nuclei"."shared_id" from "nuclei" inner join "images" on "images"."id" = "nuclei"."image_id" inner join "tissues" on "tissues"."id" = "images"."tissue_id" inner join "classes" on "classes"."id" = "nuclei"."class_id";--> statement-breakpoint
CREATE VIEW `qc_summary` AS 
  SELECT 'shared_id' AS quirk, count(DISTINCT image_id || ':' || instance_id) AS count, count(DISTINCT image_id) AS images,
         'ids used in two or more class channels of one image (distinct nuclei)' AS description
    FROM "nuclei" WHERE shared_id = 1
  UNION ALL
  SELECT 'overlap_pixels', coalesce(sum(overlap_pixels), 0), count(*) FILTER (WHERE overlap_pixels > 0),
         'pixels that belong to nuclei of two or more classes'
    FROM "images"
  UNION ALL
  SELECT 'fragmented', count(*), count(DISTINCT image_id),
         'nuclei whose pixels form several 4-connected parts (one id, one row)'
    FROM "nuclei" WHERE parts > 1
  UNION ALL
  SELECT 'holes', count(*), count(DISTINCT image_id), 'nuclei with enclosed gaps (interior rings in the outline)'
    FROM "nuclei" WHERE holes > 0
  UNION ALL
  SELECT 'empty_image', count(*), count(*), 'images with no nucleus'
    FROM "images" WHERE nucleus_count = 0
  UNION ALL
  SELECT 'void_image', count(*), count(*), 'images zero in all six mask channels, background included'
    FROM "images" WHERE void_pixels = width * height
  UNION ALL
  SELECT 'tiny_nucleus', count(*), count(DISTINCT image_id), 'nuclei under 10 pixels (often cut by the image border)'
    FROM "nuclei" WHERE area < 10
;