import type { ManagerApi } from './engine.js';
import { type ServiceRecord, STACK_LABEL, type TaskRecord } from './records.js';

interface ServiceInspect {
  Version?: { Index?: number };
  Spec?: { Mode?: { Replicated?: { Replicas?: number } } };
}

/**
 * Scales every service of a stack to zero replicas (services and volumes stay): each task is
 * stopped with the stack file's `stop_grace_period`, and, unlike after `stack rm`, the service's
 * log stream lives on, so the servers' last lines ("saving the world...") still arrive. False
 * when it cannot (a global service has no replica count; someone updated a service meanwhile):
 * `stack rm` does the whole stop then.
 */
export async function scaleToZero(
  api: ManagerApi,
  services: readonly ServiceRecord[],
): Promise<boolean> {
  if (services.length === 0 || services.some((s) => s.global)) return false;
  try {
    await Promise.all(
      services.map(async (service) => {
        const current = await api.request<ServiceInspect>('GET', `/services/${service.id}`);
        const spec = current.Spec;
        if (spec?.Mode?.Replicated === undefined) throw new Error('not replicated');
        if (spec.Mode.Replicated.Replicas === 0) return;
        spec.Mode.Replicated.Replicas = 0;
        await api.request('POST', `/services/${service.id}/update`, {
          _query: { version: current.Version?.Index ?? 0 },
          _body: spec,
        });
      }),
    );
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL to the tasks that run on the manager's own node (the only engine gameward reaches). */
export async function killLocalTasks(
  api: ManagerApi,
  managerNode: string | undefined,
  tasks: readonly TaskRecord[],
): Promise<void> {
  const local = tasks.filter((t) => t.nodeId === managerNode && t.containerId !== undefined);
  await Promise.all(
    local.map((t) =>
      api
        .request('POST', `/containers/${t.containerId}/kill`, { signal: 'SIGKILL' })
        // Already gone: nothing to kill.
        .catch(() => undefined),
    ),
  );
}

/** `stack rm` cannot remove a network its tasks still use; once they are gone, this can. */
export async function removeStackNetworks(api: ManagerApi, stack: string): Promise<void> {
  const filters = { label: [`${STACK_LABEL}=${stack}`] };
  const networks = await api
    .request<{ Id: string }[]>('GET', '/networks', { filters })
    .catch(() => []);
  await Promise.all(
    networks.map((n) => api.request('DELETE', `/networks/${n.Id}`).catch(() => undefined)),
  );
}
