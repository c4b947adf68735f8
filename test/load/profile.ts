import { PER_ANNOTATION_FILE, readPerAnnotation } from '../../infra/measured';

/**
 * The load mix: how many API calls of each kind one annotation causes at peak, as `npm run measure:annotation`
 * measured them from the portal's real behaviour in Chromium (docs/per-annotation.json: the holder's flow and the
 * verifier's) — the same figures the capacity report (infra/sizing.ts) sizes the stack with. The load scenarios take
 * their proportions from here and nowhere else.
 */
export interface CallsPerAnnotation {
  login: number;
  certificateList: number;
  certificateGet: number;
  annotationList: number;
  apply: number;
  statusRead: number;
  downloadLink: number;
  verification: number;
}

/** Which measured route each kind of call is. */
const ROUTE_OF: Record<keyof CallsPerAnnotation, { flow: 'holder' | 'verifier'; route: string }> = {
  login: { flow: 'holder', route: 'POST /v1/sessions' },
  certificateList: { flow: 'holder', route: 'GET /v1/certificates' },
  certificateGet: { flow: 'holder', route: 'GET /v1/certificates/{certId}' },
  annotationList: { flow: 'holder', route: 'GET /v1/certificates/{certId}/annotations' },
  apply: { flow: 'holder', route: 'POST /v1/certificates/{certId}/annotations' },
  statusRead: { flow: 'holder', route: 'GET /v1/certificates/{certId}/annotations/{annotationId}' },
  downloadLink: { flow: 'holder', route: 'GET /v1/certificates/{certId}/annotations/{annotationId}/download' },
  verification: { flow: 'verifier', route: 'GET /v1/verify/{verificationCode}' },
};

function measuredCalls(): CallsPerAnnotation {
  const { perFlow } = readPerAnnotation();
  const calls = {} as CallsPerAnnotation;
  for (const [kind, { flow, route }] of Object.entries(ROUTE_OF) as Array<[keyof CallsPerAnnotation, (typeof ROUTE_OF)[keyof CallsPerAnnotation]]>) {
    const measured = (perFlow[flow].apiCalls as Record<string, { mean: number } | undefined>)[route];
    if (!measured) throw new Error(`${PER_ANNOTATION_FILE} has no ${route} in the ${flow} flow: run \`npm run measure:annotation\``);
    calls[kind] = measured.mean;
  }
  return calls;
}

export const CALLS_PER_ANNOTATION: CallsPerAnnotation = measuredCalls();

export const PROFILE_SOURCE = `${PER_ANNOTATION_FILE} (calls per annotation measured from the portal in Chromium)`;

export type CallKind = keyof CallsPerAnnotation;

export const callsPerAnnotation = (profile: CallsPerAnnotation = CALLS_PER_ANNOTATION): number =>
  Object.values(profile).reduce((sum, n) => sum + n, 0);

/** The share of all requests that are applications: what the test data must be sized for. */
export const applyShare = (profile: CallsPerAnnotation = CALLS_PER_ANNOTATION): number =>
  profile.apply / callsPerAnnotation(profile);
