import { message } from '../dom';
import type { Flash } from '../router';

export const flashMessage = (flash: Flash | undefined) => (flash ? message(flash.tone, flash.text) : null);
