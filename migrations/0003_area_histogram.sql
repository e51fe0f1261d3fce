CREATE TABLE `area_histogram` (
	`fold` integer NOT NULL,
	`tissue_id` integer NOT NULL,
	`class_id` integer NOT NULL,
	`area` integer NOT NULL,
	`nuclei` integer NOT NULL,
	PRIMARY KEY(`fold`, `tissue_id`, `class_id`, `area`),
	FOREIGN KEY (`tissue_id`) REFERENCES `tissues`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`class_id`) REFERENCES `classes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `area_histogram` (`fold`, `tissue_id`, `class_id`, `area`, `nuclei`)
SELECT i.fold, i.tissue_id, n.class_id, n.area, count(*) FROM `nuclei` n JOIN `images` i ON i.id = n.image_id GROUP BY 1, 2, 3, 4;
