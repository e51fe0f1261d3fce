ALTER TABLE `subsets` ADD `notes` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
DROP VIEW `qc_summary`;--> statement-breakpoint
CREATE VIEW `qc_summary` AS 
  SELECT 'shared_id' AS quirk, count(*) AS nuclei, NULL AS pixels, count(DISTINCT image_id) AS images,
         'nuclei whose id is also used in another class channel of the image (a different nucleus)' AS description
    FROM "nuclei" WHERE shared_id = 1
  UNION ALL
  SELECT 'overlap_pixels', (SELECT count(*) FROM "nuclei" WHERE overlap_area > 0), coalesce(sum(overlap_pixels), 0),
         count(*) FILTER (WHERE overlap_pixels > 0), 'pixels that belong to nuclei of two or more classes (nuclei: those that have such pixels)'
    FROM "images"
  UNION ALL
  SELECT 'fragmented', count(*), NULL, count(DISTINCT image_id),
         'nuclei whose pixels form several 4-connected parts (one id, one row)'
    FROM "nuclei" WHERE parts > 1
  UNION ALL
  SELECT 'holes', count(*), NULL, count(DISTINCT image_id), 'nuclei with enclosed gaps (interior rings in the outline)'
    FROM "nuclei" WHERE holes > 0
  UNION ALL
  SELECT 'empty_image', NULL, NULL, count(*), 'images with no nucleus'
    FROM "images" WHERE nucleus_count = 0
  UNION ALL
  SELECT 'void_image', NULL, NULL, count(*), 'images zero in all six mask channels, background included'
    FROM "images" WHERE void_pixels = width * height
  UNION ALL
  SELECT 'tiny_nucleus', count(*), NULL, count(DISTINCT image_id), 'nuclei under 10 pixels (often cut by the image border)'
    FROM "nuclei" WHERE area < 10
;