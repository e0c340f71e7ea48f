import type { IDataObject } from 'n8n-workflow';

const isObject = (value: unknown): value is IDataObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Gencove webhook bodies are a JSON array of events `{event_id, event_type, timestamp,
 * payload}` (spec §12). Each sample of an event becomes one item; an event without samples
 * (e.g. `batch_final_report_complete_v2`) becomes one item with its payload.
 */
export function eventsToItems(body: unknown): IDataObject[] {
  const events = Array.isArray(body) ? body : [body];
  const items: IDataObject[] = [];
  for (const event of events) {
    if (!isObject(event)) continue;
    const payload = isObject(event.payload) ? event.payload : {};
    const project = isObject(payload.project) ? payload.project : undefined;
    const base: IDataObject = {
      eventId: event.event_id ?? null,
      eventType: event.event_type ?? null,
      timestamp: event.timestamp ?? null,
      projectId: project?.id ?? null,
    };
    const samples = Array.isArray(payload.samples) ? payload.samples.filter(isObject) : [];
    if (samples.length === 0) {
      items.push({ ...base, payload });
      continue;
    }
    for (const sample of samples) {
      const lastStatus = isObject(sample.last_status) ? sample.last_status : undefined;
      items.push({
        ...base,
        sampleId: sample.id ?? null,
        clientId: sample.client_id ?? null,
        status: lastStatus?.status ?? null,
        sample,
      });
    }
  }
  return items;
}
