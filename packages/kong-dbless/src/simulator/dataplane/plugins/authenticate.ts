/**
 * What key-auth and basic-auth share (kong/plugins/*-auth/access.lua): the consumer headers set upstream,
 * `anonymous` (a consumer id or username used when no valid credential is given), and the logical OR between
 * auth plugins that all name an anonymous consumer.
 */
import type { KongEntity } from '../../../validate/index.ts';
import type { AccessContext, Exit } from './context.ts';

const CONSUMER_HEADERS = [
  'x-consumer-id',
  'x-consumer-custom-id',
  'x-consumer-username',
  'x-credential-identifier',
  'x-anonymous-consumer',
];

function setConsumerHeaders(ctx: AccessContext, consumer: KongEntity, credentialIdentifier?: string): void {
  for (const name of CONSUMER_HEADERS) delete ctx.upstreamHeaders[name];
  ctx.upstreamHeaders['x-consumer-id'] = String(consumer.id);
  if (typeof consumer.custom_id === 'string')
    ctx.upstreamHeaders['x-consumer-custom-id'] = consumer.custom_id;
  if (typeof consumer.username === 'string') ctx.upstreamHeaders['x-consumer-username'] = consumer.username;
  if (credentialIdentifier !== undefined)
    ctx.upstreamHeaders['x-credential-identifier'] = credentialIdentifier;
}

/** True when an earlier auth plugin already authenticated and this one is configured for anonymous (OR). */
export function alreadyAuthenticated(config: Record<string, unknown>, ctx: AccessContext): boolean {
  return Boolean(config.anonymous) && ctx.credential !== undefined;
}

export function accept(ctx: AccessContext, credential: KongEntity, identifier: string): Exit | undefined {
  const consumer = ctx.config.consumers.get(String((credential.consumer as { id?: string } | null)?.id));
  if (!consumer) return { status: 401, message: 'Unauthorized' };
  ctx.consumer = consumer;
  ctx.credential = credential;
  setConsumerHeaders(ctx, consumer, identifier);
  return undefined;
}

/** No valid credential: fall back to the anonymous consumer if configured, else refuse with `refusal`. */
export function refuseOrAnonymous(
  config: Record<string, unknown>,
  ctx: AccessContext,
  refusal: Exit,
): Exit | undefined {
  const anonymous = config.anonymous;
  if (typeof anonymous !== 'string' || anonymous === '') return refusal;
  const consumer = ctx.config.consumers.get(anonymous) ?? ctx.config.consumersByName.get(anonymous);
  if (!consumer) return { status: 500, message: 'An unexpected error occurred' };
  ctx.consumer = consumer;
  setConsumerHeaders(ctx, consumer);
  ctx.upstreamHeaders['x-anonymous-consumer'] = 'true';
  return undefined;
}
