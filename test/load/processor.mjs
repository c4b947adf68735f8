// Artillery processor for the ecert load scenarios (test/load/script.ts): picks each virtual user's test data from
// the payloads made beforehand. Holders and ready annotations are read-only pools, picked at random; quota slots are
// handed out once each, in order (a certificate has three slots: one used by the prepared annotation, two here), so
// every application is a new one. Artillery splits payload rows between its local workers, so their slots never
// overlap. On AWS (run-fargate / run-lambda) every worker gets all rows: each starts at a random slot, so workers
// rarely meet when the slots far outnumber the applications (docs/load.md). A slot used twice is an idempotent replay
// of the first application (the same 202, no new annotation); running past the end of the list is counted.

let nextSlot;
let taken = 0;

const pick = (rows) => rows[Math.floor(Math.random() * rows.length)];

function assign(context, row) {
  Object.assign(context.vars, row);
}

export function pickHolder(context, events, done) {
  assign(context, pick(context.vars.holders));
  done();
}

export function pickReady(context, events, done) {
  assign(context, pick(context.vars.ready));
  done();
}

export function pickApplySlot(context, events, done) {
  const slots = context.vars.applySlots;
  nextSlot ??= Math.floor(Math.random() * slots.length);
  if (taken >= slots.length) events.emit('counter', 'ecert.apply_slots_reused', 1);
  assign(context, slots[nextSlot % slots.length]);
  nextSlot++;
  taken++;
  done();
}
