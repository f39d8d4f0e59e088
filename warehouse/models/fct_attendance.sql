-- Grain: one row per pupil per lesson the pupil was expected at. Key: school_id, lesson_id, pupil_id.
-- The expected pupils of a lesson are its roster on the lesson date: the pupils enrolled in the
-- class, or for a subgroup lesson the members of the subgroup. Attendance rows give the absence
-- code (н, у, б, оп); a pupil with no row or an empty code was present, so an export listing
-- absences only and one listing every pupil give the same table. entered_at is kept for rows with
-- a code only (it is when the absence or lateness was marked). Rows for pupils not on the roster
-- are dropped. teacher_id is the effective teacher (the replacing one if any).
with lessons as (
    select
        school_id,
        lesson_id,
        lesson_date,
        academic_year_id,
        period_id,
        class_id,
        group_id,
        subject_id,
        effective_teacher_id,
        -- whose roster the lesson has: the class's, or the subgroup's for a subgroup lesson
        case when group_id is null then 'class' else 'group' end as roster_kind_code,
        coalesce(group_id, class_id) as roster_unit_id
    from int_lesson
    -- the order the rows are stored in (lesson_pupils keeps it)
    order by school_id, class_id, lesson_date, lesson_number, lesson_id
),

-- n_stays: a pupil with one stay on a class's (or subgroup's) roster meets each of its lessons
-- at most once; only one with several (overlapping) stays there may meet a lesson twice
roster as (
    select
        school_id,
        roster_kind_code,
        case when roster_kind_code = 'class' then class_id else group_id end as roster_unit_id,
        pupil_id,
        start_date,
        end_date,
        count(*) over (
            partition by school_id, roster_kind_code, case when roster_kind_code = 'class' then class_id else group_id end, pupil_id
        ) as n_stays
    from int_roster
    where roster_kind_code in ('class', 'group')
),

attendance as (
    select
        school_id,
        pupil_id,
        lesson_id,
        nullif(trim(absence_code), '') as absence_code,
        entered_at
    from src_attendance
    -- rows with an empty code say "present", which every roster row already means
    where nullif(trim(absence_code), '') is not null
),

-- the roster of each class and subgroup as one list of stays (pupils with one stay there)
roster_lists as (
    select
        school_id,
        roster_kind_code,
        roster_unit_id,
        list({'pupil_id': pupil_id, 'start_date': start_date, 'end_date': end_date}) as stays
    from roster
    where roster.n_stays = 1
    group by school_id, roster_kind_code, roster_unit_id
),

-- the lessons each pupil was expected at: on the roster of the lesson's class or subgroup on the
-- lesson date. Each lesson meets its roster's list once and the list is unnested in place, so the
-- rows come out lesson by lesson in the lessons' class and date order: a join of the lessons
-- with the roster's rows would interleave the pupils of many lessons, and sorting them back costs
-- about as much as the rest of the model (a 1,000-pupil school: 0.65 s with the sort, 0.37 s without).
lesson_pupils as (
    select
        school_id,
        lesson_id,
        stay.pupil_id as pupil_id,
        lesson_date,
        academic_year_id,
        period_id,
        class_id,
        group_id,
        subject_id,
        effective_teacher_id
    from (
        select
            lessons.*,
            unnest(
                list_filter(
                    roster_lists.stays,
                    lambda stay: stay.start_date <= lessons.lesson_date
                    and (stay.end_date is null or stay.end_date >= lessons.lesson_date)
                )
            ) as stay
        from lessons
        inner join roster_lists
            on roster_lists.school_id = lessons.school_id
            and roster_lists.roster_kind_code = lessons.roster_kind_code
            and roster_lists.roster_unit_id = lessons.roster_unit_id
    ) as lesson_stays
),

-- pupils with several stays there are matched once (distinct)
lesson_pupils_of_several_stays as (
    select distinct
        lessons.school_id,
        lessons.lesson_id,
        roster.pupil_id,
        lessons.lesson_date,
        lessons.academic_year_id,
        lessons.period_id,
        lessons.class_id,
        lessons.group_id,
        lessons.subject_id,
        lessons.effective_teacher_id
    from lessons
    inner join roster
        on roster.school_id = lessons.school_id
        and roster.roster_kind_code = lessons.roster_kind_code
        and roster.roster_unit_id = lessons.roster_unit_id
        and roster.start_date <= lessons.lesson_date
        and (roster.end_date is null or roster.end_date >= lessons.lesson_date)
    where roster.n_stays > 1
),

expected as (
    select * from lesson_pupils
    union all
    select * from lesson_pupils_of_several_stays
),

final as (
    select
        expected.school_id,
        expected.lesson_id,
        expected.pupil_id,
        expected.lesson_date,
        expected.academic_year_id,
        expected.period_id,
        expected.class_id,
        expected.group_id,
        expected.subject_id,
        expected.effective_teacher_id as teacher_id,
        attendance.absence_code,
        attendance.absence_code is null or attendance.absence_code = 'оп' as is_present,
        coalesce(attendance.absence_code in ('н', 'у', 'б'), false) as is_absent,
        coalesce(attendance.absence_code = 'оп', false) as is_late,
        coalesce(attendance.absence_code in ('у', 'б'), false) as is_excused,
        coalesce(attendance.absence_code = 'б', false) as is_illness,
        case when attendance.absence_code is not null then attendance.entered_at end as entered_at
    from expected
    left join attendance
        on attendance.school_id = expected.school_id
        and attendance.lesson_id = expected.lesson_id
        and attendance.pupil_id = expected.pupil_id
)

-- Stored in class and date order without sorting the rows (lesson_pupils): the rows of one
-- lesson lie together, so their repeated lesson, class, subject and pupil columns compress well
-- (the file's largest tables).
select * from final
