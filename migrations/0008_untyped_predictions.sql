PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_predicted_nuclei` (
	`id` integer PRIMARY KEY NOT NULL,
	`set_id` bigint NOT NULL,
	`image_id` bigint NOT NULL,
	`class_id` bigint,
	`instance_id` bigint NOT NULL,
	`area` bigint NOT NULL,
	`bbox_x0` bigint NOT NULL,
	`bbox_y0` bigint NOT NULL,
	`bbox_x1` bigint NOT NULL,
	`bbox_y1` bigint NOT NULL,
	`centroid_x` real NOT NULL,
	`centroid_y` real NOT NULL,
	`perimeter` bigint NOT NULL,
	`major_axis_length` real NOT NULL,
	`minor_axis_length` real NOT NULL,
	`eccentricity` real NOT NULL,
	`orientation` real NOT NULL,
	`parts` bigint NOT NULL,
	`holes` bigint NOT NULL,
	`overlap_area` bigint NOT NULL,
	`shared_id` bigint NOT NULL,
	`contour` blob NOT NULL,
	FOREIGN KEY (`set_id`) REFERENCES `prediction_sets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`class_id`) REFERENCES `classes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_predicted_nuclei`("id", "set_id", "image_id", "class_id", "instance_id", "area", "bbox_x0", "bbox_y0", "bbox_x1", "bbox_y1", "centroid_x", "centroid_y", "perimeter", "major_axis_length", "minor_axis_length", "eccentricity", "orientation", "parts", "holes", "overlap_area", "shared_id", "contour") SELECT "id", "set_id", "image_id", "class_id", "instance_id", "area", "bbox_x0", "bbox_y0", "bbox_x1", "bbox_y1", "centroid_x", "centroid_y", "perimeter", "major_axis_length", "minor_axis_length", "eccentricity", "orientation", "parts", "holes", "overlap_area", "shared_id", "contour" FROM `predicted_nuclei`;--> statement-breakpoint
DROP TABLE `predicted_nuclei`;--> statement-breakpoint
ALTER TABLE `__new_predicted_nuclei` RENAME TO `predicted_nuclei`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `predicted_nuclei_set_image_class_instance` ON `predicted_nuclei` (`set_id`,`image_id`,`class_id`,`instance_id`);--> statement-breakpoint
CREATE INDEX `predicted_nuclei_image` ON `predicted_nuclei` (`image_id`);