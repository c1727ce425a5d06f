import type { Command } from 'commander';
import {
  addUser,
  checkPasswordStrength,
  cliActor,
  createToken,
  listUsers,
  minPasswordLength,
  revokeTokens,
  roles,
  setUserDisabled,
  unrestricted,
  type User,
} from '../auth/index.js';
import { InputError } from '../shared/errors.js';
import { addDbOptions, parseCompanyCodes, withDb } from './context.js';
import { checkOutputOptions, outputFormats, writeOutput, type OutputDocument } from './output.js';

/** Reads one line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    // Echo goes off before the prompt appears, so nothing typed early shows.
    input.setRawMode(true);
    process.stderr.write(question);
    input.setEncoding('utf8');
    input.resume();
    const finish = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (character === '\r' || character === '\n') return finish();
        if (character === '\u0003' || character === '\u0004') {
          return finish(new InputError('password entry cancelled', 'cancelled', 'password'));
        }
        if (character === '\u007f' || character === '\b') value = value.slice(0, -1);
        else value += character;
      }
    };
    input.on('data', onData);
  });
}

/**
 * Returns the new user's password: $ARDESK_PASSWORD when set, else typed
 * twice on the terminal without echo.
 */
async function readNewPassword(): Promise<string> {
  const fromEnv = process.env.ARDESK_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') {
    checkPasswordStrength(fromEnv);
    return fromEnv;
  }
  if (!process.stdin.isTTY) {
    throw new InputError(
      'missing password: set ARDESK_PASSWORD or run the command on a terminal to type it',
      'missing_password',
      'password',
    );
  }
  const first = await promptHidden(`Password (at least ${minPasswordLength} characters): `);
  checkPasswordStrength(first);
  const second = await promptHidden('Repeat the password: ');
  if (first !== second) throw new InputError('the two passwords differ; nothing was saved', 'password_mismatch', 'password');
  return first;
}

function usersDocument(users: readonly User[]): OutputDocument {
  const columns = [
    { key: 'email', header: 'Email', type: 'text' as const },
    { key: 'name', header: 'Name', type: 'text' as const },
    { key: 'role', header: 'Role', type: 'text' as const },
    { key: 'companies', header: 'Companies', type: 'text' as const },
    { key: 'regions', header: 'Regions', type: 'text' as const },
    { key: 'status', header: 'Status', type: 'text' as const },
    { key: 'createdAt', header: 'Created', type: 'text' as const },
  ];
  const status = (user: User) =>
    user.disabled ? 'disabled' : user.lockedUntil !== null && new Date(user.lockedUntil) > new Date() ? `locked until ${user.lockedUntil}` : 'active';
  return {
    tables: [
      {
        title: 'Users',
        columns,
        rows: users.map((user) => [
          user.email,
          user.name,
          user.role,
          user.companies?.join(',') ?? 'all',
          user.regions?.join(',') ?? 'all',
          status(user),
          user.createdAt,
        ]),
      },
    ],
    json: {
      users: users.map((user) => ({
        email: user.email,
        name: user.name,
        role: user.role,
        companies: user.companies,
        regions: user.regions,
        dateFormat: user.dateFormat,
        disabled: user.disabled,
        lockedUntil: user.lockedUntil,
        createdAt: user.createdAt,
      })),
    },
  };
}

/** Registers `ardesk user`: add, list, disable, enable, token and revoke-token. */
export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('users who sign in to the API and the browser app');

  addDbOptions(
    user
      .command('add <email>')
      .description('create a user; the password comes from ARDESK_PASSWORD or is typed twice')
      .requiredOption('--role <role>', `one of ${roles.join(', ')}`)
      .option('--company <code...>', 'limit the user to these companies (repeat or comma-separate; default all)')
      .option('--region <region...>', 'limit the user to customers of these regions (required for regional_accountant)')
      .option('--name <name>', 'display name'),
  ).action(
    async (email: string, options: { role: string; company?: string[]; region?: string[]; name?: string; dataDir?: string }) => {
      if (!(roles as readonly string[]).includes(options.role)) {
        throw new InputError(`invalid --role "${options.role}": use one of ${roles.join(', ')}`, 'invalid_role', 'role');
      }
      const regions = parseCompanyCodes(options.region);
      if (options.role === 'regional_accountant' && regions.length === 0) {
        throw new InputError('a regional accountant needs at least one --region', 'missing_region', 'region');
      }
      const password = await readNewPassword();
      await withDb(options, async (db) => {
        const created = await addUser(
          db,
          {
            email,
            name: options.name,
            role: options.role as User['role'],
            password,
            companies: parseCompanyCodes(options.company),
            regions,
          },
          cliActor(),
        );
        const scope = [
          created.companies ? `companies ${created.companies.join(', ')}` : 'every company',
          created.regions ? `regions ${created.regions.join(', ')}` : 'every region',
        ].join(', ');
        console.log(`user ${created.email} (${created.role}) created with ${scope}`);
      });
    },
  );

  addDbOptions(
    user
      .command('list')
      .description('list the users')
      .option('--format <format>', `output format: ${outputFormats.join(', ')}`, 'table')
      .option('--output <file>', 'write to this file instead of standard output (required for xlsx)'),
  ).action(async (options: { format: string; output?: string; dataDir?: string }) => {
    const output = checkOutputOptions(options.format, options.output);
    await withDb(options, async (db) => {
      await writeOutput(usersDocument(await listUsers(db, unrestricted)), output);
    });
  });

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    addDbOptions(
      user
        .command(`${name} <email>`)
        .description(disabled ? 'stop a user from signing in and end their sessions' : 'let a disabled user sign in again'),
    ).action(async (email: string, options: { dataDir?: string }) => {
      await withDb(options, async (db) => {
        const changed = await setUserDisabled(db, email, disabled, cliActor());
        console.log(`user ${changed.email} ${disabled ? 'disabled' : 'enabled'}`);
      });
    });
  }

  addDbOptions(
    user
      .command('token <email>')
      .description('create an API token for the user and print it; it is shown only this once')
      .option('--name <name>', 'name to tell the token apart, for revoke-token', 'default'),
  ).action(async (email: string, options: { name: string; dataDir?: string }) => {
    await withDb(options, async (db) => {
      const { token } = await createToken(db, email, options.name, cliActor());
      process.stderr.write(`API token "${options.name}" of ${email.toLowerCase()}; send it as "Authorization: Bearer <token>":\n`);
      console.log(token);
    });
  });

  addDbOptions(
    user.command('revoke-token <email> <name>').description("revoke the user's API tokens of that name"),
  ).action(async (email: string, name: string, options: { dataDir?: string }) => {
    await withDb(options, async (db) => {
      const count = await revokeTokens(db, email, name, cliActor());
      console.log(`revoked ${count} token(s) named "${name}" of ${email.toLowerCase()}`);
    });
  });
}
