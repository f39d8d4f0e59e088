-- The src_ tables no longer keep a row hash: a staged row is compared with the stored row of the
-- same key column by column (pipelines/load.py: _same_row), which needs no 8 incompressible
-- bytes per row in the file (13 MB of a 1,000-pupil school) and no hashing at staging.

alter table src_school drop column if exists row_hash;
alter table src_academic_years drop column if exists row_hash;
alter table src_periods drop column if exists row_hash;
alter table src_holidays drop column if exists row_hash;
alter table src_teachers drop column if exists row_hash;
alter table src_subjects drop column if exists row_hash;
alter table src_classes drop column if exists row_hash;
alter table src_groups drop column if exists row_hash;
alter table src_pupils drop column if exists row_hash;
alter table src_enrolments drop column if exists row_hash;
alter table src_group_members drop column if exists row_hash;
alter table src_curriculum drop column if exists row_hash;
alter table src_work_types drop column if exists row_hash;
alter table src_planned_topics drop column if exists row_hash;
alter table src_lessons drop column if exists row_hash;
alter table src_marks drop column if exists row_hash;
alter table src_attendance drop column if exists row_hash;
alter table src_period_marks drop column if exists row_hash;
alter table src_mark_changes drop column if exists row_hash;
alter table src_external_results drop column if exists row_hash;
