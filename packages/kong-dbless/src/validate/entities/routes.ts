/**
 * kong/db/schema/entities/routes.lua + routes_subschemas.lua for the three router flavors.
 */

import {
  anySet,
  atLeastOneOf,
  type CheckFailure,
  type EntityCheck,
  type Field,
  isSet,
  quoteList,
  type Rec,
  type RecordSchema,
  record,
} from '../schema.ts';
import * as t from '../typedefs.ts';
import type { RouterFlavor } from '../types.ts';
import { atcExpressionError } from './atc-expression.ts';
import { atcRegexError, routePath } from './route-paths.ts';

const ipPort = record(
  [
    ['ip', t.ipOrCidr],
    ['port', t.port],
  ],
  [atLeastOneOf(['ip', 'port'])],
);
const ipPortSet: Field = { type: 'set', elements: { type: 'record', record: ipPort } };

const METHOD_RE = /^[A-Z]+$/;

/** typedefs.no_* (`eq = null`): any value but null is refused with the subschema's message, even `[]`. */
function emptySet(err: string): Field {
  return { type: 'set', mustBeNull: true, err, elements: { type: 'any' } };
}

function conditionalAtLeastOneOf(
  branches: readonly { when: (protocols: string[]) => boolean; fields: readonly string[]; err: string }[],
): EntityCheck {
  const fields = ['protocols', ...new Set(branches.flatMap((b) => b.fields))];
  return {
    fields,
    runWithMissing: true,
    run: (e): CheckFailure | undefined => {
      const protocols = (e.protocols as string[] | null) ?? [];
      for (const branch of branches) {
        if (!branch.when(protocols)) continue;
        if (anySet(e, branch.fields)) return undefined;
        return branch.err.replace('%s', quoteList(branch.fields));
      }
      return undefined;
    },
  };
}

const contains = (p: string) => (protocols: string[]) => protocols.includes(p);
const allIn = (set: readonly string[]) => (protocols: string[]) =>
  protocols.length > 0 && protocols.every((p) => set.includes(p));

function buildRoutes(flavor: RouterFlavor, minor: number): RecordSchema {
  const expressions = flavor === 'expressions';
  const withExpression = (fields: string[]) => (expressions ? [...fields, 'expression'] : fields);
  const snisOk = ['grpcs', 'https', 'tls', 'tls_passthrough'];

  const checks: EntityCheck[] = [
    {
      fields: ['protocols', 'snis'],
      runWithMissing: true,
      run: (e) => {
        const protocols = (e.protocols as string[] | null) ?? [];
        if (!isSet(e.snis) || protocols.some((p) => snisOk.includes(p))) return undefined;
        return {
          // Kong 3.10 gives the conditional a `then_err`.
          entity:
            minor >= 10
              ? "'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'"
              : "failed conditional validation given value of field 'protocols'",
          field: 'snis',
          message: 'length must be 0',
        };
      },
    },
  ];
  if (flavor !== 'traditional')
    checks.push({ fields: [], runWithMissing: true, run: validateAtc(expressions) });

  const base: [string, Field][] = [
    ['id', t.uuidField],
    ['created_at', t.timestamp],
    ['updated_at', t.timestamp],
    ['name', t.utf8Name],
    [
      'protocols',
      {
        type: 'set',
        required: true,
        lenMin: 1,
        elements: t.protocol,
        default: ['http', 'https'],
        exclusiveSubsets: [['http', 'https'], ['tcp', 'tls', 'udp'], ['tls_passthrough'], ['grpc', 'grpcs']],
        exclusiveNamesMembers: minor >= 10,
      },
    ],
    [
      'https_redirect_status_code',
      { type: 'integer', required: true, default: 426, oneOf: [426, 301, 302, 307, 308] },
    ],
    ['strip_path', { type: 'boolean', required: true, default: true }],
    ['preserve_host', { type: 'boolean', required: true, default: false }],
    ['request_buffering', { type: 'boolean', required: true, default: true }],
    ['response_buffering', { type: 'boolean', required: true, default: true }],
    ['tags', t.tags],
    ['service', { type: 'foreign', reference: 'services' }],
    // typedefs.sni in every flavor: Kong 3.10's specs reject IPs and ports as route SNIs under each one.
    ['snis', { type: 'set', elements: t.sni }],
    ['sources', ipPortSet],
    ['destinations', ipPortSet],
    ['methods', { type: 'set', elements: { type: 'string', match: METHOD_RE } }],
    ['hosts', { type: 'array', elements: t.wildcardHostField(minor) }],
    ['paths', { type: 'array', elements: routePath }],
    [
      'headers',
      {
        type: 'map',
        keys: {
          ...t.headerName,
          matchNone: [
            {
              pattern: /^[Hh][Oo][Ss][Tt]$/,
              err: "cannot contain 'host' header, which must be specified in the 'hosts' attribute",
            },
          ],
        },
        values: { type: 'array', elements: { type: 'string' } },
      },
    ],
    ['regex_priority', { type: 'integer', default: 0 }],
    ['path_handling', { type: 'string', default: 'v0', oneOf: ['v0', 'v1'] }],
  ];
  if (expressions) {
    base.push(['expression', { type: 'string' }]);
    base.push(['priority', { type: 'integer', required: true, default: 0, between: [0, 2 ** 46 - 1] }]);
  }
  const routes = record(base, checks);

  const streamMsg = (f: string) =>
    `cannot set '${f}' when 'protocols' is 'tcp', 'tls', 'tls_passthrough' or 'udp'`;
  const grpcMsg = (f: string) => `cannot set '${f}' when 'protocols' is 'grpc' or 'grpcs'`;
  const http = subschema(
    routes,
    expressions
      ? []
      : [
          ['sources', emptySet("cannot set 'sources' when 'protocols' is 'http' or 'https'")],
          ['destinations', emptySet("cannot set 'destinations' when 'protocols' is 'http' or 'https'")],
        ],
    [
      conditionalAtLeastOneOf([
        {
          when: contains('https'),
          fields: withExpression(['methods', 'hosts', 'headers', 'paths', 'snis']),
          err: "must set one of %s when 'protocols' is 'https'",
        },
        {
          when: contains('http'),
          fields: withExpression(['methods', 'hosts', 'headers', 'paths']),
          err: "must set one of %s when 'protocols' is 'http'",
        },
      ]),
    ],
  );
  const stream = subschema(
    routes,
    [
      ['methods', emptySet(streamMsg('methods'))],
      ['hosts', emptySet(streamMsg('hosts'))],
      ['paths', emptySet(streamMsg('paths'))],
      ['headers', { type: 'map', mustBeNull: true, err: streamMsg('headers') }],
    ],
    [
      conditionalAtLeastOneOf([
        {
          when: allIn(['tcp', 'tls', 'udp']),
          fields: withExpression(['sources', 'destinations', 'snis']),
          err: "must set one of %s when 'protocols' is 'tcp', 'tls' or 'udp'",
        },
        {
          when: allIn(['tls_passthrough']),
          fields: withExpression(['snis']),
          // A fixed text: the expressions flavor adds `expression` to the fields, not to the message.
          err: "must set snis when 'protocols' is 'tls_passthrough'",
        },
      ]),
    ],
  );
  const grpc = subschema(
    routes,
    [
      [
        'strip_path',
        {
          type: 'boolean',
          required: true,
          default: false,
          ne: true,
          err: "cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'",
        },
      ],
      ['methods', emptySet(grpcMsg('methods'))],
      ...(expressions
        ? []
        : ([
            ['sources', emptySet(grpcMsg('sources'))],
            ['destinations', emptySet(grpcMsg('destinations'))],
          ] as [string, Field][])),
    ],
    [
      conditionalAtLeastOneOf([
        {
          when: contains('grpcs'),
          fields: withExpression(['hosts', 'headers', 'paths', 'snis']),
          err: "must set one of %s when 'protocols' is 'grpcs'",
        },
        {
          when: contains('grpc'),
          fields: withExpression(['hosts', 'headers', 'paths']),
          err: "must set one of %s when 'protocols' is 'grpc'",
        },
      ]),
    ],
  );
  const subschemas = new Map<string, RecordSchema>([
    ['http', http],
    ['https', http],
    ['tcp', stream],
    ['tls', stream],
    ['udp', stream],
    ['tls_passthrough', stream],
    ['grpc', grpc],
    ['grpcs', grpc],
  ]);
  return record(routes.fields, routes.checks, {
    subschemaKey: 'protocols',
    subschemas,
    subschemaError: 'unknown type: %s',
  });
}

function subschema(base: RecordSchema, overrides: [string, Field][], checks: EntityCheck[]): RecordSchema {
  const replaced = new Map(overrides);
  return record(
    base.fields.map(([n, f]) => [n, replaced.get(n) ?? f] as const),
    [...base.checks, ...checks],
  );
}

const MATCH_FIELDS = ['snis', 'sources', 'destinations', 'methods', 'hosts', 'paths', 'headers'] as const;
const EXCLUSIVE = "'methods', 'hosts', 'paths', 'headers', 'snis', 'sources' or 'destinations'";

/** The ATC validation of `traditional_compatible`/`expressions` (Kong's `validate_route`). */
function validateAtc(expressions: boolean): (e: Rec) => string | undefined {
  return (e) => {
    const hasExpression = typeof e.expression === 'string';
    const hasOthers = anySet(e, MATCH_FIELDS);
    if (!hasExpression && !hasOthers) return undefined;
    if (expressions) {
      if (hasExpression && hasOthers)
        return `Router Expression failed validation: cannot set 'expression' with ${EXCLUSIVE} simultaneously`;
      if (hasExpression && e.regex_priority !== 0 && e.regex_priority !== null)
        return "Router Expression failed validation: cannot set 'regex_priority' with 'expression' simultaneously";
      if (hasOthers && e.priority !== 0 && e.priority !== null)
        return `Router Expression failed validation: cannot set 'priority' with ${EXCLUSIVE} simultaneously`;
      if (hasExpression) return atcExpressionError(e.expression as string, e.protocols);
    }
    return atcRegexError(e.paths as string[] | null);
  };
}

const cache = new Map<string, RecordSchema>();

/** The routes schema of a flavor and Kong minor; memoized. */
export function routesSchema(flavor: RouterFlavor, minor: number): RecordSchema {
  const key = `${flavor}/${minor}`;
  let schema = cache.get(key);
  if (!schema) {
    schema = buildRoutes(flavor, minor);
    cache.set(key, schema);
  }
  return schema;
}
