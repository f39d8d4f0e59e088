-- src_attendance keeps only rows with an absence code. A row without one says the pupil was
-- present, as no row does (fct_attendance reads them alike); in an export listing every pupil of
-- every lesson such rows were 97 % of the file, and each later export compared and restamped
-- them all. Loading checks them and compares them with the stored rows (a code changed to none
-- removes the stored absence), but no longer stores them (pipelines/keys.py: STORED_ONLY_WITH).

delete from src_attendance where absence_code is null or trim(absence_code) = '';
