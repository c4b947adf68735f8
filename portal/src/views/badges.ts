import { badge } from '../dom';
import type { Annotation, Certificate } from '../types';

export const certificateStatusBadge = (cert: Pick<Certificate, 'status' | 'statusLabel'>) =>
  badge(cert.statusLabel, cert.status === 'VALID' ? 'ok' : 'bad');

const ANNOTATION_TONES: Record<Annotation['status'], 'ok' | 'bad' | 'warn' | 'info' | 'muted'> = {
  PENDING: 'info',
  READY: 'ok',
  EXPIRED: 'muted',
  FAILED: 'warn',
  REVOKED: 'bad',
};

export const annotationStatusBadge = (annotation: Pick<Annotation, 'status' | 'statusLabel'>) =>
  badge(annotation.statusLabel, ANNOTATION_TONES[annotation.status]);
