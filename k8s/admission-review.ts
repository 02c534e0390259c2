import { z } from 'zod';

/**
 * The parts of an `admission.k8s.io/v1` AdmissionReview the webhook reads. The apiserver sends the
 * object being created or updated in `request.object`; a DELETE carries none (nothing to judge).
 */
const admissionRequest = z.object({
  apiVersion: z.literal('admission.k8s.io/v1'),
  kind: z.literal('AdmissionReview'),
  request: z.object({
    uid: z.string().min(1),
    operation: z.string(),
    object: z.unknown().optional(),
  }),
});

export interface AdmissionRequest {
  readonly uid: string;
  readonly operation: string;
  readonly object: unknown;
}

/** The request of a review, or undefined when the body is not an AdmissionReview v1 request. */
export function parseAdmissionReview(body: unknown): AdmissionRequest | undefined {
  const parsed = admissionRequest.safeParse(body);
  if (!parsed.success) return undefined;
  const { uid, operation, object } = parsed.data.request;
  return { uid, operation, object };
}

/**
 * The answer: the same uid, allowed or not. A refusal's message is what `kubectl apply` prints
 * (`admission webhook "…" denied the request: <message>`); 400 is the code KIC uses.
 */
export function admissionResponse(uid: string, verdict: { allowed: boolean; message?: string }): unknown {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: verdict.allowed,
      ...(verdict.allowed ? {} : { status: { code: 400, message: verdict.message ?? 'denied' } }),
    },
  };
}
