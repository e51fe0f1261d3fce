PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_area_histogram` (
	`fold` bigint NOT NULL,
	`tissue_id` bigint NOT NULL,
	`class_id` bigint NOT NULL,
	`area` bigint NOT NULL,
	`nuclei` bigint NOT NULL,
	PRIMARY KEY(`fold`, `tissue_id`, `class_id`, `area`),
	FOREIGN KEY (`tissue_id`) REFERENCES `tissues`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`class_id`) REFERENCES `classes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_area_histogram`("fold", "tissue_id", "class_id", "area", "nuclei") SELECT "fold", "tissue_id", "class_id", "area", "nuclei" FROM `area_histogram`;--> statement-breakpoint
DROP TABLE `area_histogram`;--> statement-breakpoint
ALTER TABLE `__new_area_histogram` RENAME TO `area_histogram`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE TABLE `__new_eval_counts` (
	`set_id` bigint NOT NULL,
	`image_id` bigint NOT NULL,
	`mode` bigint NOT NULL,
	`tp` bigint NOT NULL,
	`fp` bigint NOT NULL,
	`fn` bigint NOT NULL,
	`iou_sum` real NOT NULL,
	`gt_empty` bigint NOT NULL,
	`official_fails` bigint NOT NULL,
	PRIMARY KEY(`set_id`, `image_id`, `mode`),
	FOREIGN KEY (`set_id`) REFERENCES `prediction_sets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_eval_counts`("set_id", "image_id", "mode", "tp", "fp", "fn", "iou_sum", "gt_empty", "official_fails") SELECT "set_id", "image_id", "mode", "tp", "fp", "fn", "iou_sum", "gt_empty", "official_fails" FROM `eval_counts`;--> statement-breakpoint
DROP TABLE `eval_counts`;--> statement-breakpoint
ALTER TABLE `__new_eval_counts` RENAME TO `eval_counts`;--> statement-breakpoint
CREATE INDEX `eval_counts_image` ON `eval_counts` (`image_id`);--> statement-breakpoint
CREATE TABLE `__new_eval_detections` (
	`set_id` bigint NOT NULL,
	`image_id` bigint NOT NULL,
	`gt_nucleus_id` bigint,
	`pred_nucleus_id` bigint,
	`distance` real,
	FOREIGN KEY (`set_id`) REFERENCES `prediction_sets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`gt_nucleus_id`) REFERENCES `nuclei`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`pred_nucleus_id`) REFERENCES `predicted_nuclei`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_eval_detections`("set_id", "image_id", "gt_nucleus_id", "pred_nucleus_id", "distance") SELECT "set_id", "image_id", "gt_nucleus_id", "pred_nucleus_id", "distance" FROM `eval_detections`;--> statement-breakpoint
DROP TABLE `eval_detections`;--> statement-breakpoint
ALTER TABLE `__new_eval_detections` RENAME TO `eval_detections`;--> statement-breakpoint
CREATE INDEX `eval_detections_set_image` ON `eval_detections` (`set_id`,`image_id`);--> statement-breakpoint
CREATE INDEX `eval_detections_gt` ON `eval_detections` (`gt_nucleus_id`);--> statement-breakpoint
CREATE INDEX `eval_detections_pred` ON `eval_detections` (`pred_nucleus_id`);--> statement-breakpoint
CREATE TABLE `__new_eval_matches` (
	`set_id` bigint NOT NULL,
	`mode` bigint NOT NULL,
	`gt_nucleus_id` bigint NOT NULL,
	`pred_nucleus_id` bigint NOT NULL,
	`intersection` bigint NOT NULL,
	`iou` real NOT NULL,
	PRIMARY KEY(`set_id`, `mode`, `gt_nucleus_id`),
	FOREIGN KEY (`set_id`) REFERENCES `prediction_sets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`gt_nucleus_id`) REFERENCES `nuclei`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`pred_nucleus_id`) REFERENCES `predicted_nuclei`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_eval_matches`("set_id", "mode", "gt_nucleus_id", "pred_nucleus_id", "intersection", "iou") SELECT "set_id", "mode", "gt_nucleus_id", "pred_nucleus_id", "intersection", "iou" FROM `eval_matches`;--> statement-breakpoint
DROP TABLE `eval_matches`;--> statement-breakpoint
ALTER TABLE `__new_eval_matches` RENAME TO `eval_matches`;--> statement-breakpoint
CREATE INDEX `eval_matches_gt` ON `eval_matches` (`gt_nucleus_id`);--> statement-breakpoint
CREATE INDEX `eval_matches_pred` ON `eval_matches` (`pred_nucleus_id`);--> statement-breakpoint
CREATE TABLE `__new_geometry_columns` (
	`f_table_name` text NOT NULL,
	`f_geometry_column` text NOT NULL,
	`geometry_type` bigint,
	`coord_dimension` bigint,
	`srid` bigint,
	`geometry_format` text,
	PRIMARY KEY(`f_table_name`, `f_geometry_column`)
);
--> statement-breakpoint
INSERT INTO `__new_geometry_columns`("f_table_name", "f_geometry_column", "geometry_type", "coord_dimension", "srid", "geometry_format") SELECT "f_table_name", "f_geometry_column", "geometry_type", "coord_dimension", "srid", "geometry_format" FROM `geometry_columns`;--> statement-breakpoint
DROP TABLE `geometry_columns`;--> statement-breakpoint
ALTER TABLE `__new_geometry_columns` RENAME TO `geometry_columns`;--> statement-breakpoint
CREATE TABLE `__new_images` (
	`id` integer PRIMARY KEY NOT NULL,
	`fold` bigint NOT NULL,
	`fold_index` bigint NOT NULL,
	`tissue_id` bigint NOT NULL,
	`width` bigint NOT NULL,
	`height` bigint NOT NULL,
	`nucleus_count` bigint NOT NULL,
	`void_pixels` bigint NOT NULL,
	`overlap_pixels` bigint NOT NULL,
	FOREIGN KEY (`tissue_id`) REFERENCES `tissues`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_images`("id", "fold", "fold_index", "tissue_id", "width", "height", "nucleus_count", "void_pixels", "overlap_pixels") SELECT "id", "fold", "fold_index", "tissue_id", "width", "height", "nucleus_count", "void_pixels", "overlap_pixels" FROM `images`;--> statement-breakpoint
DROP TABLE `images`;--> statement-breakpoint
ALTER TABLE `__new_images` RENAME TO `images`;--> statement-breakpoint
CREATE UNIQUE INDEX `images_fold_index` ON `images` (`fold`,`fold_index`);--> statement-breakpoint
CREATE INDEX `images_tissue` ON `images` (`tissue_id`);--> statement-breakpoint
CREATE TABLE `__new_ingest_runs` (
	`id` integer PRIMARY KEY NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`tool_version` text NOT NULL,
	`options` text NOT NULL,
	`status` text NOT NULL,
	`host` text NOT NULL,
	`pid` bigint NOT NULL,
	`images` bigint NOT NULL,
	`nuclei` bigint NOT NULL,
	`error` text
);
--> statement-breakpoint
INSERT INTO `__new_ingest_runs`("id", "started_at", "finished_at", "tool_version", "options", "status", "host", "pid", "images", "nuclei", "error") SELECT "id", "started_at", "finished_at", "tool_version", "options", "status", "host", "pid", "images", "nuclei", "error" FROM `ingest_runs`;--> statement-breakpoint
DROP TABLE `ingest_runs`;--> statement-breakpoint
ALTER TABLE `__new_ingest_runs` RENAME TO `ingest_runs`;--> statement-breakpoint
CREATE TABLE `__new_nuclei` (
	`id` integer PRIMARY KEY NOT NULL,
	`image_id` bigint NOT NULL,
	`class_id` bigint NOT NULL,
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
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`class_id`) REFERENCES `classes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_nuclei`("id", "image_id", "class_id", "instance_id", "area", "bbox_x0", "bbox_y0", "bbox_x1", "bbox_y1", "centroid_x", "centroid_y", "perimeter", "major_axis_length", "minor_axis_length", "eccentricity", "orientation", "parts", "holes", "overlap_area", "shared_id", "contour") SELECT "id", "image_id", "class_id", "instance_id", "area", "bbox_x0", "bbox_y0", "bbox_x1", "bbox_y1", "centroid_x", "centroid_y", "perimeter", "major_axis_length", "minor_axis_length", "eccentricity", "orientation", "parts", "holes", "overlap_area", "shared_id", "contour" FROM `nuclei`;--> statement-breakpoint
DROP TABLE `nuclei`;--> statement-breakpoint
ALTER TABLE `__new_nuclei` RENAME TO `nuclei`;--> statement-breakpoint
CREATE UNIQUE INDEX `nuclei_image_class_instance` ON `nuclei` (`image_id`,`class_id`,`instance_id`);--> statement-breakpoint
CREATE INDEX `nuclei_class_area` ON `nuclei` (`class_id`,`area`);--> statement-breakpoint
CREATE TABLE `__new_predicted_nuclei` (
	`id` integer PRIMARY KEY NOT NULL,
	`set_id` bigint NOT NULL,
	`image_id` bigint NOT NULL,
	`class_id` bigint NOT NULL,
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
CREATE UNIQUE INDEX `predicted_nuclei_set_image_class_instance` ON `predicted_nuclei` (`set_id`,`image_id`,`class_id`,`instance_id`);--> statement-breakpoint
CREATE INDEX `predicted_nuclei_image` ON `predicted_nuclei` (`image_id`);--> statement-breakpoint
CREATE TABLE `__new_prediction_sets` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`fold` bigint NOT NULL,
	`source` text NOT NULL,
	`bytes` bigint NOT NULL,
	`fingerprint` text NOT NULL,
	`created_at` text NOT NULL,
	`tool_version` text NOT NULL,
	`options` text NOT NULL,
	`images` bigint NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_prediction_sets`("id", "name", "fold", "source", "bytes", "fingerprint", "created_at", "tool_version", "options", "images") SELECT "id", "name", "fold", "source", "bytes", "fingerprint", "created_at", "tool_version", "options", "images" FROM `prediction_sets`;--> statement-breakpoint
DROP TABLE `prediction_sets`;--> statement-breakpoint
ALTER TABLE `__new_prediction_sets` RENAME TO `prediction_sets`;--> statement-breakpoint
CREATE UNIQUE INDEX `prediction_sets_name_unique` ON `prediction_sets` (`name`);--> statement-breakpoint
CREATE TABLE `__new_sources` (
	`id` integer PRIMARY KEY NOT NULL,
	`fold` bigint NOT NULL,
	`role` text NOT NULL,
	`path` text NOT NULL,
	`bytes` bigint NOT NULL,
	`mtime` text NOT NULL,
	`fingerprint` text NOT NULL,
	`fingerprint_kind` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_sources`("id", "fold", "role", "path", "bytes", "mtime", "fingerprint", "fingerprint_kind") SELECT "id", "fold", "role", "path", "bytes", "mtime", "fingerprint", "fingerprint_kind" FROM `sources`;--> statement-breakpoint
DROP TABLE `sources`;--> statement-breakpoint
ALTER TABLE `__new_sources` RENAME TO `sources`;--> statement-breakpoint
CREATE UNIQUE INDEX `sources_fold_role` ON `sources` (`fold`,`role`);--> statement-breakpoint
CREATE TABLE `__new_spatial_ref_sys` (
	`srid` integer PRIMARY KEY NOT NULL,
	`auth_name` text,
	`auth_srid` bigint,
	`srtext` text
);
--> statement-breakpoint
INSERT INTO `__new_spatial_ref_sys`("srid", "auth_name", "auth_srid", "srtext") SELECT "srid", "auth_name", "auth_srid", "srtext" FROM `spatial_ref_sys`;--> statement-breakpoint
DROP TABLE `spatial_ref_sys`;--> statement-breakpoint
ALTER TABLE `__new_spatial_ref_sys` RENAME TO `spatial_ref_sys`;--> statement-breakpoint
CREATE TABLE `__new_subset_members` (
	`subset_id` bigint NOT NULL,
	`nucleus_id` bigint NOT NULL,
	`image_id` bigint NOT NULL,
	PRIMARY KEY(`subset_id`, `nucleus_id`),
	FOREIGN KEY (`subset_id`) REFERENCES `subsets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`nucleus_id`) REFERENCES `nuclei`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_subset_members`("subset_id", "nucleus_id", "image_id") SELECT "subset_id", "nucleus_id", "image_id" FROM `subset_members`;--> statement-breakpoint
DROP TABLE `subset_members`;--> statement-breakpoint
ALTER TABLE `__new_subset_members` RENAME TO `subset_members`;--> statement-breakpoint
CREATE INDEX `subset_members_image` ON `subset_members` (`subset_id`,`image_id`);--> statement-breakpoint
CREATE INDEX `subset_members_nucleus` ON `subset_members` (`nucleus_id`);--> statement-breakpoint
CREATE TABLE `__new_subsets` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL,
	`kind` text NOT NULL,
	`options` text NOT NULL,
	`seed` bigint NOT NULL,
	`nuclei` bigint NOT NULL,
	`images` bigint NOT NULL,
	`notes` text DEFAULT '[]' NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_subsets`("id", "name", "created_at", "kind", "options", "seed", "nuclei", "images", "notes") SELECT "id", "name", "created_at", "kind", "options", "seed", "nuclei", "images", "notes" FROM `subsets`;--> statement-breakpoint
DROP TABLE `subsets`;--> statement-breakpoint
ALTER TABLE `__new_subsets` RENAME TO `subsets`;--> statement-breakpoint
CREATE UNIQUE INDEX `subsets_name_unique` ON `subsets` (`name`);