-- A counter that every write to the ledger tables raises, so that a
-- process holding the ledger in memory (the columnar aging engine) can see
-- with one small query whether anything changed since it last read.
--
-- The counter is raised before the statement's first row, so a writing
-- transaction holds the counter's row lock before it draws any item or
-- allocation id, and keeps it until it ends. Ledger writers therefore
-- commit in the order of their ids, and a reader that has seen every id up
-- to some value has seen every committed row below it.

create table ledger_version (
  singleton boolean primary key default true check (singleton),
  version bigint not null,
  -- Raised as well when customer rows are changed or removed rather than
  -- added, which makes a reader reload the customers instead of
  -- appending the new ones.
  customer_version bigint not null
);

insert into ledger_version (singleton, version, customer_version) values (true, 0, 0);

-- One line: the migration runner splits statements at a semicolon that ends a line.
create function raise_ledger_version() returns trigger language plpgsql as $$ begin update ledger_version set version = version + 1; return null; end $$;

create function raise_customer_version() returns trigger language plpgsql as $$ begin update ledger_version set version = version + 1, customer_version = customer_version + 1; return null; end $$;

create trigger open_item_ledger_version
  before insert or update or delete or truncate on open_item
  for each statement execute function raise_ledger_version();

create trigger allocation_ledger_version
  before insert or update or delete or truncate on allocation
  for each statement execute function raise_ledger_version();

create trigger customer_ledger_version
  before insert on customer
  for each statement execute function raise_ledger_version();

create trigger customer_rewrite_version
  before update or delete or truncate on customer
  for each statement execute function raise_customer_version();
