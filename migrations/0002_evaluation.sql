CREATE TABLE `eval_counts` (
	`set_id` integer NOT NULL,
	`image_id` integer NOT NULL,
	`mode` integer NOT NULL,
	`tp` integer NOT NULL,
	`fp` integer NOT NULL,
	`fn` integer NOT NULL,
	`iou_sum` real NOT NULL,
	`gt_empty` integer NOT NULL,
	`official_fails` integer NOT NULL,
	PRIMARY KEY(`set_id`, `image_id`, `mode`),
	FOREIGN KEY (`set_id`) REFERENCES `prediction_sets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `eval_counts_image` ON `eval_counts` (`image_id`);--> statement-breakpoint
CREATE TABLE `eval_detections` (
	`set_id` integer NOT NULL,
	`image_id` integer NOT NULL,
	`gt_nucleus_id` integer,
	`pred_nucleus_id` integer,
	`distance` real,
	FOREIGN KEY (`set_id`) REFERENCES `prediction_sets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`gt_nucleus_id`) REFERENCES `nuclei`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`pred_nucleus_id`) REFERENCES `predicted_nuclei`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `eval_detections_set_image` ON `eval_detections` (`set_id`,`image_id`);--> statement-breakpoint
CREATE INDEX `eval_detections_gt` ON `eval_detections` (`gt_nucleus_id`);--> statement-breakpoint
CREATE INDEX `eval_detections_pred` ON `eval_detections` (`pred_nucleus_id`);--> statement-breakpoint
CREATE TABLE `eval_matches` (
	`set_id` integer NOT NULL,
	`mode` integer NOT NULL,
	`gt_nucleus_id` integer NOT NULL,
	`pred_nucleus_id` integer NOT NULL,
	`intersection` integer NOT NULL,
	`iou` real NOT NULL,
	PRIMARY KEY(`set_id`, `mode`, `gt_nucleus_id`),
	FOREIGN KEY (`set_id`) REFERENCES `prediction_sets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`gt_nucleus_id`) REFERENCES `nuclei`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`pred_nucleus_id`) REFERENCES `predicted_nuclei`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `eval_matches_gt` ON `eval_matches` (`gt_nucleus_id`);--> statement-breakpoint
CREATE INDEX `eval_matches_pred` ON `eval_matches` (`pred_nucleus_id`);--> statement-breakpoint
CREATE TABLE `predicted_nuclei` (
	`id` integer PRIMARY KEY NOT NULL,
	`set_id` integer NOT NULL,
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
	FOREIGN KEY (`set_id`) REFERENCES `prediction_sets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`class_id`) REFERENCES `classes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `predicted_nuclei_set_image_class_instance` ON `predicted_nuclei` (`set_id`,`image_id`,`class_id`,`instance_id`);--> statement-breakpoint
CREATE INDEX `predicted_nuclei_image` ON `predicted_nuclei` (`image_id`);--> statement-breakpoint
CREATE TABLE `prediction_sets` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`fold` integer NOT NULL,
	`source` text NOT NULL,
	`bytes` integer NOT NULL,
	`fingerprint` text NOT NULL,
	`created_at` text NOT NULL,
	`tool_version` text NOT NULL,
	`options` text NOT NULL,
	`images` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `prediction_sets_name_unique` ON `prediction_sets` (`name`);--> statement-breakpoint
CREATE VIEW `eval_image_summary` AS 
  SELECT e.set_id, e.image_id, i.fold, i.fold_index, t.name AS tissue,
         avg(e.pq) FILTER (WHERE e.mode BETWEEN 1 AND 5) AS mpq,
         max(e.pq) FILTER (WHERE e.mode = 0) AS bpq,
         max(c.official_fails) AS official_fails
    FROM "eval_pq" e JOIN "images" i ON i.id = e.image_id JOIN "tissues" t ON t.id = i.tissue_id
    JOIN "eval_counts" c ON c.set_id = e.set_id AND c.image_id = e.image_id AND c.mode = e.mode
   GROUP BY e.set_id, e.image_id
;--> statement-breakpoint
CREATE VIEW `eval_pq` AS 
  SELECT set_id, image_id, mode, tp, fp, fn, iou_sum,
         CASE WHEN gt_empty = 1 THEN NULL ELSE tp / (tp + 0.5 * fp + 0.5 * fn) END AS dq,
         CASE WHEN gt_empty = 1 THEN NULL ELSE iou_sum / (tp + 1e-6) END AS sq,
         CASE WHEN gt_empty = 1 THEN NULL ELSE (tp / (tp + 0.5 * fp + 0.5 * fn)) * (iou_sum / (tp + 1e-6)) END AS pq
    FROM "eval_counts"
;