DROP VIEW `class_distribution`;--> statement-breakpoint
DROP VIEW `eval_image_summary`;--> statement-breakpoint
DROP VIEW `eval_pq`;--> statement-breakpoint
DROP VIEW `image_summary`;--> statement-breakpoint
CREATE VIEW `class_distribution` AS 
  SELECT i.fold AS fold, t.name AS tissue, c.name AS class, count(*) AS nuclei, count(DISTINCT n.image_id) AS images,
         avg(n.area) AS mean_area
    FROM "nuclei" n JOIN "images" i ON i.id = n.image_id JOIN "tissues" t ON t.id = i.tissue_id JOIN "classes" c ON c.id = n.class_id
   GROUP BY i.fold, t.name, c.id, c.name
;--> statement-breakpoint
CREATE VIEW `eval_image_summary` AS 
  SELECT e.set_id, e.image_id, i.fold, i.fold_index, t.name AS tissue,
         avg(e.pq) FILTER (WHERE e.mode BETWEEN 1 AND 5) AS mpq,
         max(e.pq) FILTER (WHERE e.mode = 0) AS bpq,
         max(c.official_fails) AS official_fails
    FROM "eval_pq" e JOIN "images" i ON i.id = e.image_id JOIN "tissues" t ON t.id = i.tissue_id
    JOIN "eval_counts" c ON c.set_id = e.set_id AND c.image_id = e.image_id AND c.mode = e.mode
   GROUP BY e.set_id, e.image_id, i.fold, i.fold_index, t.name
;--> statement-breakpoint
CREATE VIEW `eval_pq` AS 
  SELECT set_id, image_id, mode, tp, fp, fn, iou_sum,
         CASE WHEN gt_empty = 1 THEN NULL ELSE tpf / (tpf + 0.5 * fpf + 0.5 * fnf) END AS dq,
         CASE WHEN gt_empty = 1 THEN NULL ELSE iou_sum / (tpf + 1e-6) END AS sq,
         CASE WHEN gt_empty = 1 THEN NULL ELSE (tpf / (tpf + 0.5 * fpf + 0.5 * fnf)) * (iou_sum / (tpf + 1e-6)) END AS pq
    FROM (SELECT *, CAST(tp AS DOUBLE PRECISION) AS tpf, CAST(fp AS DOUBLE PRECISION) AS fpf, CAST(fn AS DOUBLE PRECISION) AS fnf
            FROM "eval_counts") AS counts
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
   GROUP BY i.id, i.fold, i.fold_index, t.name
;