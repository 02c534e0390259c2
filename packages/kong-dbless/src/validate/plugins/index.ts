/**
 * The plugin catalogue of a simulated node: full schemas for the plugins most used from Kubernetes, and the
 * other bundled OSS plugin names with their `config` accepted as an opaque object (their schemas are not
 * modelled; see the package README.md).
 */
import type { KongEdition } from '../types.ts';
import { acl, basicAuth, jwt, keyAuth } from './auth.ts';
import { type PluginDefinition, protocolsAll } from './common.ts';
import {
  correlationId,
  cors,
  degraphql,
  prometheus,
  requestTransformer,
  responseTransformer,
} from './http.ts';
import { fileLog, httpLog, tcpLog, udpLog } from './logging.ts';
import {
  botDetection,
  grpcGateway,
  grpcWeb,
  requestSizeLimiting,
  serverlessFunction,
} from './serverless-grpc.ts';
import { ipRestriction, proxyCache, rateLimiting, requestTermination } from './traffic.ts';

export type { PluginDefinition } from './common.ts';

/** Bundled OSS plugins (kong/constants.lua) whose config is not modelled. */
const OPAQUE_BUNDLED = [
  'oauth2',
  'hmac-auth',
  'response-ratelimiting',
  'syslog',
  'loggly',
  'datadog',
  'ldap-auth',
  'statsd',
  'aws-lambda',
  'session',
  'acme',
  'azure-functions',
  'zipkin',
  'opentelemetry',
  'ai-proxy',
  'ai-prompt-decorator',
  'ai-prompt-template',
  'ai-prompt-guard',
  'ai-request-transformer',
  'ai-response-transformer',
  'standard-webhooks',
  'redirect',
];

const opaque: PluginDefinition = {
  protocols: protocolsAll,
  config: { type: 'map', required: true, default: {} },
};

/** Name → definition for a Kong minor version and edition. */
export function pluginCatalogue(minor: number, edition: KongEdition): Map<string, PluginDefinition> {
  const catalogue = new Map<string, PluginDefinition>([
    ['key-auth', keyAuth],
    ['basic-auth', basicAuth],
    ['jwt', jwt],
    ['acl', acl],
    ['cors', cors],
    ['rate-limiting', rateLimiting],
    ['request-transformer', requestTransformer],
    ['response-transformer', responseTransformer],
    ['ip-restriction', ipRestriction],
    ['correlation-id', correlationId],
    ['proxy-cache', proxyCache],
    ['prometheus', prometheus(minor)],
    ['request-termination', requestTermination],
    ['http-log', httpLog(minor)],
    ['tcp-log', tcpLog],
    ['udp-log', udpLog],
    ['file-log', fileLog],
    ['pre-function', serverlessFunction],
    ['post-function', serverlessFunction],
    ['grpc-gateway', grpcGateway],
    ['grpc-web', grpcWeb],
    ['request-size-limiting', requestSizeLimiting],
    ['bot-detection', botDetection],
  ]);
  for (const name of OPAQUE_BUNDLED) catalogue.set(name, opaque);
  if (edition === 'enterprise') catalogue.set('degraphql', degraphql);
  return catalogue;
}
