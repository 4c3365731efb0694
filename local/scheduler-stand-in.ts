import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseJsonObject, readBody, sendJson } from './http-json';
import { listenOnLoopback } from './loopback-server';

/** A schedule as Scheduler's REST-JSON API carries it (dates in epoch seconds). */
export interface StandInSchedule {
  Name: string;
  GroupName: string;
  Arn: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  StartDate?: number;
  EndDate?: number;
  Description?: string;
  State: 'ENABLED' | 'DISABLED';
  KmsKeyArn?: string;
  Target: { Arn: string; RoleArn: string } & Record<string, unknown>;
  FlexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  ActionAfterCompletion?: string;
  CreationDate: number;
  LastModificationDate: number;
}

/** The fields UpdateSchedule may set (everything but the name, the ARN and the service's own dates). */
const UPDATABLE_FIELDS = [
  'ScheduleExpression',
  'ScheduleExpressionTimezone',
  'StartDate',
  'EndDate',
  'Description',
  'State',
  'KmsKeyArn',
  'Target',
  'FlexibleTimeWindow',
  'ActionAfterCompletion',
] as const;

export interface SchedulerStandIn {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_SCHEDULER or a client's `endpoint`. */
  endpoint: string;
  addSchedule(schedule: Omit<StandInSchedule, 'CreationDate' | 'LastModificationDate'>): void;
  /** The schedule as it is now (a copy). */
  schedule(name: string, groupName?: string): StandInSchedule | undefined;
  /** Every UpdateSchedule body received, in order. */
  readonly updates: { name: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

const SCHEDULE_PATH = /^\/schedules\/([^/]+)$/;
const DEFAULT_GROUP = 'default';
const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Answers GetSchedule and UpdateSchedule the way EventBridge Scheduler does (REST-JSON: GET/PUT /schedules/{Name},
 * the group in ?groupName= or the body), so the real SchedulerClient can be pointed at it. Like the service,
 * UpdateSchedule replaces the whole schedule: an optional field left out of the request is gone afterwards, which is
 * what lets a test see a caller that forgets to carry one over.
 */
export async function startSchedulerStandIn(): Promise<SchedulerStandIn> {
  const schedules = new Map<string, StandInSchedule>();
  const updates: { name: string; body: Record<string, unknown> }[] = [];
  const key = (name: string, group: string) => `${group}/${name}`;

  const fail = (response: ServerResponse, status: number, type: string, message: string) =>
    sendJson(response, status, { Message: message }, { 'x-amzn-errortype': type });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const text = await readBody(request);
    const match = SCHEDULE_PATH.exec(url.pathname);
    if (!match)
      return fail(
        response,
        404,
        'UnknownOperationException',
        `only GetSchedule and UpdateSchedule are served here, not ${request.method} ${url.pathname}`,
      );
    const name = decodeURIComponent(match[1]!);

    if (request.method === 'GET') {
      const found = schedules.get(key(name, url.searchParams.get('groupName') ?? DEFAULT_GROUP));
      if (!found) return fail(response, 404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
      return sendJson(response, 200, found);
    }
    if (request.method !== 'PUT') return fail(response, 405, 'UnknownOperationException', `${request.method} is not served here`);

    const body = parseJsonObject(text);
    if (!body) return fail(response, 400, 'ValidationException', 'The request body is not a JSON object.');
    const group = typeof body.GroupName === 'string' ? body.GroupName : DEFAULT_GROUP;
    const existing = schedules.get(key(name, group));
    if (!existing) return fail(response, 404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    const problem = updateProblem(body);
    if (problem) return fail(response, 400, 'ValidationException', problem);
    updates.push({ name, body });
    const replaced: Record<string, unknown> = {
      Name: existing.Name,
      GroupName: existing.GroupName,
      Arn: existing.Arn,
      CreationDate: existing.CreationDate,
      LastModificationDate: nowSeconds(),
      State: 'ENABLED',
    };
    for (const field of UPDATABLE_FIELDS) if (body[field] !== undefined) replaced[field] = body[field];
    schedules.set(key(name, group), replaced as unknown as StandInSchedule);
    sendJson(response, 200, { ScheduleArn: existing.Arn });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) fail(response, 500, 'InternalServerException', String(error));
    });
  });
  const listening = await listenOnLoopback(server);
  return {
    endpoint: listening.origin,
    addSchedule: (schedule) => {
      const at = nowSeconds();
      schedules.set(key(schedule.Name, schedule.GroupName), structuredClone({ ...schedule, CreationDate: at, LastModificationDate: at }));
    },
    schedule: (name, groupName = DEFAULT_GROUP) => {
      const found = schedules.get(key(name, groupName));
      return found ? structuredClone(found) : undefined;
    },
    updates,
    close: listening.close,
  };
}

/** The checks the service makes on an UpdateSchedule body that matter here: the required members, and the enums. */
function updateProblem(body: Record<string, unknown>): string | undefined {
  if (typeof body.ScheduleExpression !== 'string' || !body.ScheduleExpression) return 'ScheduleExpression is required.';
  const target = body.Target as Record<string, unknown> | undefined;
  if (!target || typeof target.Arn !== 'string' || typeof target.RoleArn !== 'string') return 'Target with Arn and RoleArn is required.';
  const window = body.FlexibleTimeWindow as Record<string, unknown> | undefined;
  if (!window || (window.Mode !== 'OFF' && window.Mode !== 'FLEXIBLE')) return 'FlexibleTimeWindow with Mode OFF or FLEXIBLE is required.';
  if (body.State !== undefined && body.State !== 'ENABLED' && body.State !== 'DISABLED') return 'State must be ENABLED or DISABLED.';
  return undefined;
}
