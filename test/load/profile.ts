/**
 * The load mix: how many API calls of each kind one annotation causes at peak. The load scenarios take their
 * proportions from here and nowhere else.
 *
 * PROVISIONAL. Issue 10 puts the typed peak profile (holders, annotations per day, busiest minute, calls per
 * annotation measured from the portal) in infra/config.ts; until it is on main, this module holds the minimal shape
 * the load test needs, with counts read off the portal's code (portal/src/views/*.ts) as it stands:
 * - login: one POST /v1/sessions per visit;
 * - certificate list and certificate page: GET /v1/certificates, GET /v1/certificates/{certId};
 * - annotation list: on opening the certificate page and again after applying (the quota display);
 * - apply: one POST;
 * - status reads: the portal polls a PENDING annotation after 300 ms, then ×1.5; a render within about a second is
 *   read about three times;
 * - download link: one (view inline or download);
 * - verification: one GET /v1/verify/{code} by the third party that receives the copy.
 * When the profile lands, replace CALLS_PER_ANNOTATION with a mapping from it (one line per field).
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

export const CALLS_PER_ANNOTATION: CallsPerAnnotation = {
  login: 1,
  certificateList: 1,
  certificateGet: 1,
  annotationList: 2,
  apply: 1,
  statusRead: 3,
  downloadLink: 1,
  verification: 1,
};

export const PROFILE_SOURCE = 'test/load/profile.ts (provisional: counts read off the portal code; infra/config.ts peak profile to replace it)';

export type CallKind = keyof CallsPerAnnotation;

export const callsPerAnnotation = (profile: CallsPerAnnotation = CALLS_PER_ANNOTATION): number =>
  Object.values(profile).reduce((sum, n) => sum + n, 0);

/** The share of all requests that are applications: what the test data must be sized for. */
export const applyShare = (profile: CallsPerAnnotation = CALLS_PER_ANNOTATION): number =>
  profile.apply / callsPerAnnotation(profile);
