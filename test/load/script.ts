import { CALLS_PER_ANNOTATION, type CallKind, type CallsPerAnnotation } from './profile';

/**
 * The Artillery test script, built from the profile: one scenario per kind of API call, weighted by how often one
 * annotation causes it, each scenario one request (so the request mix is the profile's, whatever the latency).
 * Test data comes from CSV payloads made beforehand (prepare.ts); processor.mjs hands each application its own quota
 * slot. Written to the run folder as script.json — the same file `artillery run-fargate` / `run-lambda` take.
 */
export const PAYLOAD_FILES = {
  holders: { file: 'holders.csv', fields: ['idType', 'idNumber', 'password', 'certId', 'token'] },
  applySlots: { file: 'apply-slots.csv', fields: ['certId', 'token', 'idempotencyKey'] },
  ready: { file: 'ready.csv', fields: ['certId', 'token', 'annotationId', 'verificationCode'] },
} as const;

export type PayloadName = keyof typeof PAYLOAD_FILES;

interface StepSpec {
  /** The request name Artillery reports metrics under (metrics-by-endpoint). */
  name: string;
  pick: 'pickHolder' | 'pickApplySlot' | 'pickReady';
  request: Record<string, unknown>;
  /** Statuses that are the step working as intended. */
  expect: number[];
}

const bearer = { authorization: 'Bearer {{ token }}' };

/** Every step of the mix, by the profile's call kind. */
export const STEPS: Record<CallKind, StepSpec> = {
  login: {
    name: 'login',
    pick: 'pickHolder',
    request: { post: { url: '/v1/sessions', json: { idType: '{{ idType }}', idNumber: '{{ idNumber }}', password: '{{ password }}' } } },
    expect: [200],
  },
  certificateList: { name: 'certificates', pick: 'pickHolder', request: { get: { url: '/v1/certificates', headers: bearer } }, expect: [200] },
  certificateGet: {
    name: 'certificate',
    pick: 'pickHolder',
    request: { get: { url: '/v1/certificates/{{ certId }}', headers: bearer } },
    expect: [200],
  },
  annotationList: {
    name: 'annotations',
    pick: 'pickHolder',
    request: { get: { url: '/v1/certificates/{{ certId }}/annotations', headers: bearer } },
    expect: [200],
  },
  apply: {
    name: 'apply',
    pick: 'pickApplySlot',
    request: {
      post: {
        url: '/v1/certificates/{{ certId }}/annotations',
        headers: { ...bearer, 'idempotency-key': '{{ idempotencyKey }}' },
        json: { scenario: 'SELF_USE', validDays: 1 },
      },
    },
    expect: [202],
  },
  statusRead: {
    name: 'poll',
    pick: 'pickReady',
    request: { get: { url: '/v1/certificates/{{ certId }}/annotations/{{ annotationId }}', headers: bearer } },
    expect: [200],
  },
  downloadLink: {
    name: 'download link',
    pick: 'pickReady',
    request: { get: { url: '/v1/certificates/{{ certId }}/annotations/{{ annotationId }}/download', headers: bearer } },
    expect: [200],
  },
  verification: {
    name: 'verify',
    pick: 'pickReady',
    request: { get: { url: '/v1/verify/{{ verificationCode }}', headers: { accept: 'application/json' } } },
    expect: [200],
  },
};

export interface ScriptOptions {
  target: string;
  /** Seconds of steady load. */
  durationSeconds: number;
  /** Requests per second (each virtual user makes one request). */
  ratePerSecond: number;
  profile?: CallsPerAnnotation;
}

/**
 * Artillery weights are whole numbers: the profile's counts scaled so that fractional counts (e.g. 0.4 verifications
 * per annotation) keep their proportions to a tenth.
 */
export function scenarioWeights(profile: CallsPerAnnotation = CALLS_PER_ANNOTATION): Array<[CallKind, number]> {
  return (Object.entries(profile) as Array<[CallKind, number]>)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => [kind, Math.round(count * 10)]);
}

export function buildScript(options: ScriptOptions): Record<string, unknown> {
  const profile = options.profile ?? CALLS_PER_ANNOTATION;
  return {
    config: {
      target: options.target,
      phases: [{ name: 'steady', duration: options.durationSeconds, arrivalRate: options.ratePerSecond }],
      processor: './processor.mjs',
      payload: (Object.entries(PAYLOAD_FILES) as Array<[PayloadName, (typeof PAYLOAD_FILES)[PayloadName]]>).map(([name, spec]) => ({
        path: `./${spec.file}`,
        fields: [...spec.fields],
        name,
        loadAll: true,
        skipHeader: true,
      })),
      http: { timeout: 30 },
      plugins: { 'metrics-by-endpoint': { useOnlyRequestNames: true, stripQueryString: true } },
    },
    scenarios: scenarioWeights(profile).map(([kind, weight]) => {
      const step = STEPS[kind];
      const [method, spec] = Object.entries(step.request)[0]!;
      return { name: step.name, weight, flow: [{ function: step.pick }, { [method]: { ...(spec as object), name: step.name } }] };
    }),
  };
}
