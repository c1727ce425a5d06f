-- Dunning: the levels of reminder letters per company, the runs that
-- propose letters as of a date, their approval, and what was sent.

-- Per company: days that must pass before a customer gets another letter
-- at the same or a lower level.
create table dunning_setting (
  company_id integer primary key references company (company_id),
  min_interval_days integer not null default 14 check (min_interval_days >= 0),
  updated_by text not null,
  updated_at timestamptz not null default now()
);

create table dunning_level (
  company_id integer not null references company (company_id),
  level smallint not null check (level between 1 and 9),
  -- An overdue item reaches this level once its days past due reach this number.
  min_days_past_due integer not null check (min_days_past_due >= 1),
  -- Annual rate as a decimal fraction (0.08 is 8 %), actual/365; null: no interest.
  interest_rate numeric(9, 6) check (interest_rate >= 0 and interest_rate < 1),
  updated_by text not null,
  updated_at timestamptz not null default now(),
  primary key (company_id, level)
);

-- The letter text per level and language. The body is a template with
-- placeholders such as {customerName}; {items} marks where the table goes.
create table dunning_level_text (
  company_id integer not null,
  level smallint not null,
  language text not null check (language in ('en', 'ar')),
  subject text not null,
  body text not null,
  primary key (company_id, level, language),
  foreign key (company_id, level) references dunning_level (company_id, level) on delete cascade
);

-- The fee a letter of this level charges, per currency, in minor units.
create table dunning_level_fee (
  company_id integer not null,
  level smallint not null,
  currency char(3) not null references currency (code),
  fee bigint not null check (fee >= 0),
  primary key (company_id, level, currency),
  foreign key (company_id, level) references dunning_level (company_id, level) on delete cascade
);

create table dunning_run (
  company_id integer not null references company (company_id),
  run_id bigint not null,
  as_of date not null,
  status text not null default 'proposed' check (status in ('proposed', 'approved')),
  -- manual: a user asked for it; job: the daily dunning-proposal job stored it.
  source text not null check (source in ('manual', 'job')),
  created_by text not null,
  created_by_user_id integer,
  created_at timestamptz not null default now(),
  approved_by text,
  approved_by_user_id integer,
  approved_at timestamptz,
  primary key (company_id, run_id),
  check ((status = 'approved') = (approved_by is not null))
);
create unique index dunning_run_job_once on dunning_run (company_id, as_of) where source = 'job';
create sequence dunning_run_id_seq;

create table dunning_letter (
  company_id integer not null,
  letter_id bigint not null,
  run_id bigint not null,
  customer_id bigint not null,
  level smallint not null check (level >= 1),
  language text not null check (language in ('en', 'ar')),
  -- The fee is charged once per letter, in the currency of the item that sets the level.
  fee_currency char(3) references currency (code),
  fee bigint not null default 0 check (fee >= 0),
  status text not null default 'proposed'
    check (status in ('proposed', 'dropped', 'approved', 'sent', 'failed', 'printed')),
  to_address text,
  mail_id bigint,
  error text,
  dropped_by text,
  drop_reason text,
  -- The level's text in the letter's language when the run was approved:
  -- the letter mailed later says what the approver read.
  subject text,
  body text,
  sent_at timestamptz,
  primary key (company_id, letter_id),
  unique (company_id, run_id, customer_id),
  foreign key (company_id, run_id) references dunning_run (company_id, run_id),
  foreign key (company_id, customer_id) references customer (company_id, customer_id)
);
create index dunning_letter_customer_idx on dunning_letter (company_id, customer_id, level);
create sequence dunning_letter_id_seq;

create table dunning_letter_item (
  company_id integer not null,
  letter_id bigint not null,
  item_id bigint not null,
  currency char(3) not null,
  due_date date not null,
  days_past_due integer not null,
  open_amount bigint not null check (open_amount > 0),
  -- The item's dunning level in this letter.
  level smallint not null check (level >= 1),
  interest_days integer not null default 0 check (interest_days >= 0),
  interest bigint not null default 0 check (interest >= 0),
  primary key (company_id, letter_id, item_id),
  foreign key (company_id, letter_id) references dunning_letter (company_id, letter_id),
  foreign key (company_id, item_id) references open_item (company_id, item_id)
);
create index dunning_letter_item_item_idx on dunning_letter_item (company_id, item_id);

-- The dunning level each item reached in approved runs, and when: the
-- next proposal raises an item at most one level above it, and charges
-- interest only from that date on.
create table dunning_item (
  company_id integer not null,
  item_id bigint not null,
  level smallint not null check (level >= 1),
  last_letter_id bigint not null,
  last_dunned_date date not null,
  primary key (company_id, item_id),
  foreign key (company_id, item_id) references open_item (company_id, item_id)
);
