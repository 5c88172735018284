import { type FormEvent, useId, useRef, useState } from 'react';
import type { ApiError } from '../api/client.ts';
import type { EventDelivery, EventSettings as Settings } from '@hubgate/contract';
import { Button } from '../components/Button.tsx';
import { CopyField } from '../components/CopyField.tsx';
import { Item, ItemList } from '../components/ItemList.tsx';
import { LoadFailed } from '../components/LoadFailed.tsx';
import { Notice } from '../components/Notice.tsx';
import { Badge, Loading, Section } from '../components/Section.tsx';
import { useCanManage, useEvents, useHubgate } from '../context.tsx';
import { formatDateTime } from '../format.ts';

/**
 * Repository events for the product (docs/events.md): the tenant's endpoint and its signing secret (shown once),
 * the recent deliveries and the dead letters with Redeliver. Members see it all; admins change it.
 */
export function EventSettings() {
  const events = useEvents();
  const canManage = useCanManage();
  const [secret, setSecret] = useState<{ value: string; why: 'created' | 'rotated' } | null>(null);
  if (events.error?.missingEndpoint) return null;
  const data = events.data;
  const reload = () => void events.reload();
  return (
    <>
      <Section
        title="Endpoint"
        description="What changes in your project repositories (pushes, new and deleted branches, renames) is posted here, signed by the Standard Webhooks specification."
      >
        {events.error && !data ? (
          <LoadFailed what="The event settings" error={events.error} retry={reload} />
        ) : !data ? (
          <Loading what="event settings" />
        ) : (
          <div className="stack">
            {secret && (
              <Notice tone="success" title={secret.why === 'created' ? 'Endpoint saved. Copy its signing secret now: it is not shown again.' : 'New signing secret. Copy it now: it is not shown again.'}>
                <CopyField label="Signing secret" value={secret.value} />
                {secret.why === 'rotated' && <p className="small">The previous secret signs beside it for 24 hours, so your receiver can switch without missing an event.</p>}
              </Notice>
            )}
            <EndpointForm settings={data} onSaved={(value) => (value ? setSecret({ value, why: 'created' }) : setSecret(null))} onChanged={reload} onRotated={(value) => setSecret({ value, why: 'rotated' })} />
            {data.deploymentEndpoint && <p className="muted small">This deployment’s operator also receives your project repositories’ events.</p>}
            {!canManage && <p className="muted small">Only organization admins can change the endpoint or redeliver events.</p>}
          </div>
        )}
      </Section>
      {data && (
        <>
          <Section title="Dead letters" description="Events your endpoint did not accept within the retry window (3 days by default). Redeliver them once it works again.">
            {data.deadLetters.length === 0 ? <p className="empty">No dead letters.</p> : <DeliveryList label="Dead letters" deliveries={data.deadLetters} onRedelivered={reload} />}
          </Section>
          <Section title="Recent deliveries">
            {data.recent.length === 0 ? <p className="empty">No events yet.</p> : <DeliveryList label="Recent deliveries" deliveries={data.recent} onRedelivered={reload} />}
          </Section>
        </>
      )}
    </>
  );
}

function EndpointForm({
  settings,
  onSaved,
  onChanged,
  onRotated,
}: {
  settings: Settings;
  onSaved: (secret: string | null) => void;
  onChanged: () => void;
  onRotated: (secret: string) => void;
}) {
  const { client } = useHubgate();
  const canManage = useCanManage();
  const [url, setUrl] = useState(settings.endpoint?.url ?? '');
  const [pending, setPending] = useState<'save' | 'rotate' | 'delete' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const ids = { url: useId(), error: useId() };
  const endpoint = settings.endpoint;
  const act = async (what: 'save' | 'rotate' | 'delete', work: () => Promise<void>) => {
    setPending(what);
    setError(null);
    try {
      await work();
      onChanged();
    } catch (e) {
      setError((e as ApiError).message);
      input.current?.focus();
    } finally {
      setPending(null);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!url.trim()) {
      setError('Enter the https URL your events are posted to.');
      input.current?.focus();
      return;
    }
    void act('save', async () => onSaved((await client.saveEventEndpoint(url.trim())).secret));
  };
  return (
    <form className="stack" onSubmit={submit} noValidate aria-label="Event endpoint">
      <div className="field">
        <label htmlFor={ids.url}>Endpoint URL</label>
        <input
          id={ids.url}
          ref={input}
          className="input mono"
          type="url"
          value={url}
          placeholder="https://product.example/hooks/hubgate"
          readOnly={!canManage}
          disabled={pending !== null}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? ids.error : undefined}
          onChange={(e) => setUrl(e.currentTarget.value)}
        />
        {error && (
          <p id={ids.error} className="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
      {endpoint && (
        <p className="muted small">
          Saved by {endpoint.updatedBy} on {formatDateTime(endpoint.updatedAt)}.
          {endpoint.previousSecretUntil && ` The previous signing secret also signs until ${formatDateTime(endpoint.previousSecretUntil)}.`}
        </p>
      )}
      {canManage && (
        <div className="actions">
          <Button type="submit" variant="primary" pending={pending === 'save'} pendingLabel="Saving…" disabled={pending !== null}>
            {endpoint ? 'Save URL' : 'Save endpoint'}
          </Button>
          {endpoint && (
            <>
              <Button pending={pending === 'rotate'} pendingLabel="Rotating…" disabled={pending !== null} onClick={() => void act('rotate', async () => onRotated((await client.rotateEventSecret()).secret!))}>
                Rotate secret
              </Button>
              <Button
                variant="danger"
                pending={pending === 'delete'}
                pendingLabel="Removing…"
                disabled={pending !== null}
                onClick={() =>
                  void act('delete', async () => {
                    await client.deleteEventEndpoint();
                    setUrl('');
                    onSaved(null);
                  })
                }
              >
                Remove endpoint
              </Button>
            </>
          )}
        </div>
      )}
    </form>
  );
}

const statusText: Record<EventDelivery['status'], { tone: 'success' | 'warning' | 'danger'; label: string }> = {
  delivered: { tone: 'success', label: 'Delivered' },
  pending: { tone: 'warning', label: 'Retrying' },
  dead: { tone: 'danger', label: 'Not delivered' },
};

function DeliveryList({ label, deliveries, onRedelivered }: { label: string; deliveries: EventDelivery[]; onRedelivered: () => void }) {
  const { client } = useHubgate();
  const canManage = useCanManage();
  const [pending, setPending] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      {error && (
        <Notice tone="error" title="The event was not redelivered.">
          <p>{error}</p>
        </Notice>
      )}
      <ItemList label={label}>
        {deliveries.map((delivery) => {
          const status = statusText[delivery.status];
          const name = `${delivery.event}${delivery.action ? `.${delivery.action}` : ''}`;
          return (
            <Item
              key={delivery.id}
              title={
                <>
                  <span className="mono">{name}</span> · {delivery.project}
                </>
              }
              details={
                <p className="muted small">
                  {formatDateTime(delivery.createdAt)}
                  {delivery.foundBy === 'reconcile' && ' · found by reconcile (GitHub had not sent it)'}
                  {` · ${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'}`}
                  {delivery.lastError && ` · ${delivery.lastError}`}
                  <br />
                  <span className="mono">{delivery.deliveryId}</span>
                </p>
              }
              side={
                <>
                  <Badge tone={status.tone} title={delivery.nextAttemptAt ? `Next attempt ${formatDateTime(delivery.nextAttemptAt)}` : undefined}>
                    {status.label}
                  </Badge>
                  {canManage && delivery.status === 'dead' && (
                    <Button
                      aria-label={`Redeliver ${name} of ${delivery.project}`}
                      pending={pending === delivery.id}
                      pendingLabel="Redelivering…"
                      disabled={pending !== null}
                      onClick={async () => {
                        setPending(delivery.id);
                        setError(null);
                        try {
                          await client.redeliverEvent(delivery.id);
                          onRedelivered();
                        } catch (e) {
                          setError((e as ApiError).message);
                        } finally {
                          setPending(null);
                        }
                      }}
                    >
                      Redeliver
                    </Button>
                  )}
                </>
              }
            />
          );
        })}
      </ItemList>
    </>
  );
}
