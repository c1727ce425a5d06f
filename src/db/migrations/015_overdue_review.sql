-- Regional overdue reviews: the overdue of a region's customers as of a
-- date, stored so the next review of the region can show the change, and
-- the actions agreed in the meeting.

create table overdue_review (
  company_id integer not null references company (company_id),
  review_id bigint not null,
  region text not null,
  review_date date not null,
  -- The latest earlier review of the same company and region, if any.
  previous_review_id bigint,
  -- Aging bucket limits in days past due, as the aging report takes them.
  bucket_limits integer[] not null,
  created_by text not null,
  created_at timestamptz not null default now(),
  primary key (company_id, review_id),
  foreign key (company_id, previous_review_id) references overdue_review (company_id, review_id),
  unique (company_id, region, review_date)
);
create sequence overdue_review_id_seq;

-- One line per customer with an overdue amount on the review date. Amounts
-- are in the company currency, as of the review date.
create table overdue_review_line (
  company_id integer not null,
  review_id bigint not null,
  customer_id bigint not null,
  -- Open balance of every item, credits included.
  balance bigint not null,
  -- Open debit items past their due date.
  overdue bigint not null,
  -- Part of the balance in dispute on the review date.
  disputed bigint not null,
  -- Checks received and not yet cleared on the review date.
  check_cover bigint not null,
  -- One amount per aging bucket, the unapplied credits column last.
  bucket_amounts bigint[] not null,
  open_promises integer not null,
  open_disputes integer not null,
  primary key (company_id, review_id, customer_id),
  foreign key (company_id, review_id) references overdue_review (company_id, review_id),
  foreign key (company_id, customer_id) references customer (company_id, customer_id),
  check (overdue > 0)
);

-- An action agreed for a customer in the review. Each one is logged as a
-- collection activity (a meeting with the action as note and the due date
-- as follow-up), which it names.
create table overdue_review_action (
  company_id integer not null,
  action_id bigint not null,
  review_id bigint not null,
  customer_id bigint not null,
  action_text text not null check (length(action_text) > 0),
  owner_email text not null check (owner_email ~ '^[^@\s]+@[^@\s]+$'),
  due_date date not null,
  activity_id bigint not null,
  status text not null default 'open' check (status in ('open', 'done')),
  done_date date,
  done_by text,
  created_by text not null,
  created_at timestamptz not null default now(),
  primary key (company_id, action_id),
  foreign key (company_id, review_id, customer_id)
    references overdue_review_line (company_id, review_id, customer_id),
  foreign key (company_id, activity_id) references collection_activity (company_id, activity_id),
  check ((status = 'done') = (done_date is not null and done_by is not null))
);
create index overdue_review_action_review_idx on overdue_review_action (company_id, review_id);
create sequence overdue_review_action_id_seq;
