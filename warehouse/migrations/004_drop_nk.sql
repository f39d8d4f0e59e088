-- The src_ tables no longer keep their natural key as text (nk): loading compares a staged row
-- with the stored row by the key columns themselves (pipelines/load.py: _key_match), forgetting
-- a pupil finds the rows by pupil_id, and only meta_supersession keeps the key as text, for the
-- rows it records. The copy cost 12 MB of a 1,000-pupil school (marks and attendance).

alter table src_school drop column if exists nk;
alter table src_academic_years drop column if exists nk;
alter table src_periods drop column if exists nk;
alter table src_holidays drop column if exists nk;
alter table src_teachers drop column if exists nk;
alter table src_subjects drop column if exists nk;
alter table src_classes drop column if exists nk;
alter table src_groups drop column if exists nk;
alter table src_pupils drop column if exists nk;
alter table src_enrolments drop column if exists nk;
alter table src_group_members drop column if exists nk;
alter table src_curriculum drop column if exists nk;
alter table src_work_types drop column if exists nk;
alter table src_planned_topics drop column if exists nk;
alter table src_lessons drop column if exists nk;
alter table src_marks drop column if exists nk;
alter table src_attendance drop column if exists nk;
alter table src_period_marks drop column if exists nk;
alter table src_mark_changes drop column if exists nk;
alter table src_external_results drop column if exists nk;
