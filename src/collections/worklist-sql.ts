/**
 * The SQL that ranks a company's worklist for one business date in a
 * single statement: open amounts, disputes, strategy steps, follow-ups,
 * promises and the score, for every customer at once. docs/collections.md
 * explains the score with a worked example.
 */

/** Score points of each part; the weights are fixed in this version. */
export const scoreWeights = {
  /** Points for an overdue amount at or above the amount cap, linear below it. */
  amountMax: 40,
  /** Major units of the company currency at which the amount part is full. */
  amountCapUnits: 100_000n,
  /** Points for days past due at or above `daysCap`, linear below it. */
  daysMax: 30,
  daysCap: 180,
  risk: { low: 0, medium: 5, high: 10, very_high: 15 },
  /** Points per promise broken in the last twelve months, counting at most `brokenPromiseCap`. */
  brokenPromise: 5,
  brokenPromiseCap: 3,
  /** Points for each task due: a follow-up, an open promise due, a promise broken in the last week. */
  task: 5,
  /** Days a broken promise stays a task. */
  brokenTaskDays: 7,
} as const;

/** Returns SQL for the activity kind that does a step's action: a letter does stop supply and legal steps. */
export function activityKindSql(actionColumn: string): string {
  return `case ${actionColumn} when 'email_reminder' then 'email' when 'call' then 'call' when 'visit' then 'visit' else 'letter' end`;
}

/**
 * Returns the insert that ranks the worklist of company $1 for date $2,
 * with $3 the amount cap in minor units of the company currency. When
 * `partial` is set, $4 is an array of customer ids and only those are
 * ranked; the caller deletes their old entries first.
 */
export function rankWorklistSql(partial: boolean): string {
  const onlyItems = partial ? 'and i.customer_id = any($4::bigint[])' : '';
  const onlyAllocations = partial
    ? 'and debit_item_id in (select item_id from open_item where company_id = $1 and customer_id = any($4::bigint[]))'
    : '';
  const onlyCustomers = partial ? 'and customer_id = any($4::bigint[])' : '';
  const w = scoreWeights;
  return `
    with debit as (
      select i.item_id, i.customer_id, i.due_date, i.amount, i.amount_local, i.disputed,
             i.amount - coalesce(a.cleared, 0) as open_amount,
             i.amount_local - coalesce(a.cleared_local, 0) as open_local
      from open_item i
      left join (
        select debit_item_id, sum(amount)::bigint as cleared, sum(amount_local)::bigint as cleared_local
        from allocation
        where company_id = $1 and allocation_date <= $2::date ${onlyAllocations}
        group by debit_item_id
      ) a on a.debit_item_id = i.item_id
      where i.company_id = $1 and i.posting_date <= $2::date and i.amount > 0 ${onlyItems}
    ),
    held as (
      select l.item_id, sum(l.amount)::bigint as amount
      from dispute_item l
      join dispute d on d.company_id = l.company_id and d.dispute_id = l.dispute_id
      where l.company_id = $1 and d.opened_date <= $2::date and (d.resolved_date is null or d.resolved_date > $2::date)
      group by l.item_id
    ),
    net as (
      select d.customer_id, d.due_date, d.open_local,
             case when d.disputed then d.open_local
                  else least(d.open_local, coalesce(round(h.amount::numeric * d.amount_local / d.amount)::bigint, 0))
             end as disputed_local
      from debit d left join held h on h.item_id = d.item_id
      where d.open_amount > 0
    ),
    balance as (
      select customer_id,
             coalesce(sum(open_local - disputed_local) filter (where due_date < $2::date), 0)::bigint as overdue_local,
             coalesce(sum(open_local - disputed_local) filter (where due_date >= $2::date), 0)::bigint as not_due_local,
             coalesce(sum(disputed_local) filter (where due_date < $2::date), 0)::bigint as disputed_local,
             min(due_date) filter (where open_local > disputed_local) as oldest_due
      from net group by customer_id
    ),
    last_activity as (
      select distinct on (customer_id) customer_id, activity_date, follow_up_date
      from collection_activity
      where company_id = $1 and activity_date <= $2::date ${onlyCustomers}
      order by customer_id, activity_date desc, activity_id desc
    ),
    promise_task as (
      select customer_id,
             min(promised_date) filter (where status = 'open' and promised_date <= $2::date) as due_date,
             max(decided_date) filter (where status = 'broken' and decided_date <= $2::date
                                         and decided_date > $2::date - ${w.brokenTaskDays}) as broken_date,
             count(*) filter (where status = 'broken' and decided_date <= $2::date
                                and decided_date > ($2::date - interval '12 months')::date)::integer as broken_count
      from promise_to_pay
      where company_id = $1 ${onlyCustomers}
      group by customer_id
    ),
    candidate as (
      select customer_id from balance where oldest_due is not null
      union
      select customer_id from last_activity where follow_up_date <= $2::date
      union
      select customer_id from promise_task where due_date is not null or broken_date is not null
    ),
    default_strategy as (
      select max(strategy_id) as strategy_id from collection_strategy where company_id = $1 and is_default and active
    ),
    base as (
      select c.customer_id, c.customer_number, c.collector, c.credit_segment, c.risk_class,
             coalesce(b.overdue_local, 0) as overdue_local, coalesce(b.not_due_local, 0) as not_due_local,
             coalesce(b.disputed_local, 0) as disputed_local, b.oldest_due,
             $2::date - b.oldest_due as days_past_due,
             coalesce(p.broken_count, 0) as broken_count,
             case when la.follow_up_date <= $2::date then la.follow_up_date end as follow_up_date,
             case when p.due_date is not null and (la.activity_date is null or la.activity_date < p.due_date) then p.due_date end
               as promise_due_date,
             case when p.broken_date is not null and (la.activity_date is null or la.activity_date < p.broken_date) then p.broken_date end
               as promise_broken_date,
             coalesce(r.strategy_id, ds.strategy_id) as strategy_id
      from candidate k
      join customer c on c.company_id = $1 and c.customer_id = k.customer_id
      cross join default_strategy ds
      left join balance b on b.customer_id = k.customer_id
      left join last_activity la on la.customer_id = k.customer_id
      left join promise_task p on p.customer_id = k.customer_id
      left join lateral (
        select r.strategy_id
        from collection_strategy_rule r
        join collection_strategy s on s.company_id = r.company_id and s.strategy_id = r.strategy_id and s.active
        where r.company_id = $1
          and (r.segment is null or r.segment = c.credit_segment)
          and (r.risk_class is null or r.risk_class = c.risk_class)
          and (r.region is null or r.region = c.region)
        order by r.priority
        limit 1
      ) r on true
    ),
    stepped as (
      select b.*, s.version as strategy_version, st.position as step_position, st.action, st.weight,
             b.oldest_due + st.days_from as step_due_date
      from base b
      left join collection_strategy s on s.company_id = $1 and s.strategy_id = b.strategy_id
      left join lateral (
        select st.position, st.action, st.weight, st.days_from
        from collection_strategy_step st
        where st.company_id = $1 and st.strategy_id = s.strategy_id and st.version = s.version
          and b.oldest_due is not null
          and b.days_past_due >= st.days_from and (st.days_to is null or b.days_past_due <= st.days_to)
          and (case when b.days_past_due > 0 then b.overdue_local else b.not_due_local end) >= st.min_amount_local
          and (st.risk_class is null or st.risk_class = b.risk_class)
          and (st.segment is null or st.segment = b.credit_segment)
        order by st.position
        limit 1
      ) st on true
    ),
    -- The latest activity of each kind, to tell whether a step was done
    -- on or after the day it became due.
    kind_done as (
      select customer_id, kind, max(activity_date) as last_date
      from collection_activity
      where company_id = $1 and activity_date <= $2::date ${onlyCustomers}
      group by customer_id, kind
    ),
    checked as (
      select s.*, s.action is not null and (k.last_date is null or k.last_date < s.step_due_date) as step_open
      from stepped s
      left join kind_done k on k.customer_id = s.customer_id and k.kind = ${activityKindSql('s.action')}
    ),
    scored as (
      select c.*,
             round(${w.amountMax} * least(c.overdue_local, $3::bigint)::numeric / $3::bigint, 2) as amount_points,
             round(${w.daysMax} * least(greatest(coalesce(c.days_past_due, 0), 0), ${w.daysCap})::numeric / ${w.daysCap}, 2)
               as days_points,
             case c.risk_class when 'low' then ${w.risk.low} when 'medium' then ${w.risk.medium}
                               when 'high' then ${w.risk.high} when 'very_high' then ${w.risk.very_high} else 0 end::numeric
               as risk_points,
             (${w.brokenPromise} * least(c.broken_count, ${w.brokenPromiseCap}))::numeric as promise_points,
             (case when c.step_open then c.weight else 0 end)::numeric as step_points,
             (${w.task} * ((c.follow_up_date is not null)::integer + (c.promise_due_date is not null)::integer
                           + (c.promise_broken_date is not null)::integer))::numeric as task_points
      from checked c
      where c.step_open or c.follow_up_date is not null or c.promise_due_date is not null or c.promise_broken_date is not null
    )
    insert into worklist_entry (company_id, work_date, customer_id, customer_number, collector, strategy_id, strategy_version, step_position,
      action, step_due_date, days_past_due, overdue_local, disputed_local, risk_class, broken_promises, follow_up_date,
      promise_due_date, promise_broken_date, amount_points, days_points, risk_points, promise_points, step_points,
      task_points, score)
    select $1, $2::date, customer_id, customer_number, collector,
           case when step_open then strategy_id end, case when step_open then strategy_version end,
           case when step_open then step_position end, case when step_open then action end,
           case when step_open then step_due_date end,
           days_past_due, overdue_local, disputed_local, risk_class, broken_count, follow_up_date,
           promise_due_date, promise_broken_date, amount_points, days_points, risk_points, promise_points, step_points,
           task_points, amount_points + days_points + risk_points + promise_points + step_points + task_points
    from scored`;
}
