"""Stage 1, the register: raw sources → cleaned mentions → linked persons → reconciled counts → data/processed/.

sources (read raw, assert what is expected) → clean/ (dates, ages, names, places, mentions) → link (mentions to
persons) → conflicts (one value per field, with the raw text kept) → events, intervals (when and where) →
reconcile (against published counts) → covariates (departments) → build (writes data/processed/). hand reads the
reviewed decisions in data/hand/; vocab holds every controlled vocabulary; scope is the one door analyses use to
read the register; privacy masks protected minors; manifest guards data/raw/.
"""
