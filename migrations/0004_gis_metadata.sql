CREATE TABLE `geometry_columns` (
	`f_table_name` text NOT NULL,
	`f_geometry_column` text NOT NULL,
	`geometry_type` integer,
	`coord_dimension` integer,
	`srid` integer,
	`geometry_format` text,
	PRIMARY KEY(`f_table_name`, `f_geometry_column`)
);
--> statement-breakpoint
CREATE TABLE `spatial_ref_sys` (
	`srid` integer PRIMARY KEY NOT NULL,
	`auth_name` text,
	`auth_srid` integer,
	`srtext` text
);
--> statement-breakpoint
INSERT INTO `spatial_ref_sys` (`srid`, `auth_name`, `auth_srid`, `srtext`) VALUES (0, NULL, NULL, 'LOCAL_CS["image pixels (x = column, y = row, origin top-left)",UNIT["pixel",1]]');
--> statement-breakpoint
INSERT INTO `geometry_columns` (`f_table_name`, `f_geometry_column`, `geometry_type`, `coord_dimension`, `srid`, `geometry_format`) VALUES ('nuclei', 'contour', 0, 2, 0, 'WKB'), ('predicted_nuclei', 'contour', 0, 2, 0, 'WKB');
