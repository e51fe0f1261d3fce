/**
 * The published figures of the official PanNuke release (Gamper et al. 2019/2020; CC BY-NC-SA 4.0), as
 * verified against the release (see ../shared/DESIGN.md of the project): what `pannuke fetch` downloads and
 * what `pannuke verify --official` expects. Per-image figures live in data/pannuke-release.json.
 */

export const OFFICIAL = {
  /** The TIA Centre (University of Warwick) PanNuke page. */
  baseUrl: 'https://warwick.ac.uk/fac/cross_fac/tia/data/pannuke/',
  tissues: [
    'Adrenal_gland', 'Bile-duct', 'Bladder', 'Breast', 'Cervix', 'Colon', 'Esophagus', 'HeadNeck', 'Kidney', 'Liver',
    'Lung', 'Ovarian', 'Pancreatic', 'Prostate', 'Skin', 'Stomach', 'Testis', 'Thyroid', 'Uterus',
  ],
  folds: [
    { fold: 1, zip: 'fold_1.zip', sha256: '6e19ad380300e8ce9480f9ab6a14cc91fa4b6a511609b40e3d70bdf9c881ed0b', images: 2656, emptyImages: 116, nucleiPerClass: [26201, 10820, 16388, 967, 8842] },
    { fold: 2, zip: 'fold_2.zip', sha256: '5bc540cc509f64b5f5a274d6e5a245527dbd3e6d3155d43555115c5d54709b07', images: 2523, emptyImages: 113, nucleiPerClass: [22731, 10631, 16756, 884, 8870] },
    { fold: 3, zip: 'fold_3.zip', sha256: 'c14d372981c42f611ebc80afad01702b89cad8c1b3089daa31931cf5a4b1a39d', images: 2722, emptyImages: 114, nucleiPerClass: [28471, 10825, 17441, 1057, 8860] },
  ],
} as const;

export type OfficialFold = (typeof OFFICIAL.folds)[number];
