/**
 * The catalogue of every HTTP endpoint: method, path, who may call it, its input and reply schemas.
 * The OpenAPI document is generated from it, and a test checks it against the routes the server
 * really mounts, so documentation cannot drift from the code.
 */
import type { z } from 'zod';
import * as input from './schemas/requests.js';
import * as reply from './schemas/responses.js';

/** Who may call; 'desk session' is a session made by POST /serv/login, 'metrics scraper' presents METRICS_TOKEN. */
export type Caller = 'user' | 'agent' | 'user or agent' | 'any session' | 'desk session' | 'admin' | 'admin or supervisor' | 'metrics scraper' | 'public';

export interface Endpoint {
  method: 'get' | 'post' | 'delete';
  /** Express-style path under the server root, e.g. /v1/question/:question_id/serve. */
  path: string;
  summary: string;
  caller: Caller;
  /** Path parameters plus query (GET) or body (POST) parameters, as one schema. */
  input?: z.ZodObject;
  reply?: z.ZodType;
  /** Non-JSON replies (HTML page, media bytes). */
  produces?: string;
}

const e = (method: Endpoint['method'], path: string, caller: Caller, summary: string, rest: Partial<Endpoint> = {}): Endpoint => ({
  method,
  path,
  caller,
  summary,
  ...rest,
});

export const ENDPOINTS: Endpoint[] = [
  e('post', '/v1/question/new', 'user', 'Ask a question', { input: input.questionNewInput, reply: reply.questionNewReply }),
  e('post', '/v1/serv/bind', 'any session', 'Log an agent in on this device', { input: input.servCredentialsInput, reply: reply.okReply }),
  e('get', '/v1/question/list', 'agent', 'The pending queue of the agent’s apps', { input: input.questionListInput, reply: reply.summaryListReply }),
  e('post', '/v1/question/:question_id/serve', 'agent', 'Start serving a pending question (action 1)', { input: input.agentActionInput, reply: reply.messageIdReply }),
  e('get', '/v1/serv/:serv_id/tasks', 'agent', 'Questions this agent is serving', { input: input.servTasksInput, reply: reply.summaryListReply }),
  e('get', '/v1/user/:user_id/waits', 'user or agent', 'The user’s pending questions', { input: input.userQuestionsInput, reply: reply.waitsReply }),
  e('get', '/v1/user/:user_id/tasks', 'user or agent', 'The user’s questions in progress', { input: input.userQuestionsInput, reply: reply.servedListReply }),
  e('get', '/v1/user/:user_id/overs', 'user or agent', 'The user’s resolved questions', { input: input.userQuestionsInput, reply: reply.servedListReply }),
  e('get', '/v1/user/:user_id/alls', 'user or agent', 'All of the user’s questions', { input: input.userQuestionsInput, reply: reply.allsReply }),
  e('get', '/v1/question/:question_id/message', 'user or agent', 'Messages of a question, by seq (agents of the app also get its notes, in place)', { input: input.questionMessagesInput, reply: reply.messagesReply }),
  e('post', '/v1/question/:question_id/message/send_text', 'user or agent', 'Send a text message', { input: input.sendTextInput, reply: reply.messageIdReply }),
  e('post', '/v1/question/:question_id/message/send_note', 'agent', 'Write a private note (type 5): agents of the app only, never the user', {
    input: input.sendNoteInput,
    reply: reply.messageIdReply,
  }),
  e('post', '/v1/question/:question_id/message/send_image', 'user or agent', 'Send an image (base64)', { input: input.sendImageInput, reply: reply.imageReply }),
  e('post', '/v1/question/:question_id/message/send_audio', 'user or agent', 'Send a voice message (base64)', { input: input.sendAudioInput, reply: reply.audioReply }),
  e('get', '/v1/answer/templates', 'agent', 'Quick-answer templates', { input: input.templatesInput, reply: reply.templatesReply }),
  e('get', '/v1/answer/template/:template_id', 'agent', 'Items of a quick-answer template', { input: input.templateItemsInput, reply: reply.itemsReply }),
  e('post', '/v1/question/:question_id/quit', 'agent', 'Stop serving; back to the queue (action 2)', { input: input.agentActionInput, reply: reply.messageIdReply }),
  e('post', '/v1/question/:question_id/finish', 'agent', 'Resolve the question (action 4)', { input: input.agentActionInput, reply: reply.messageIdReply }),
  e('post', '/v1/question/:question_id/request_finish', 'agent', 'Ask the user to confirm the end (action 3)', { input: input.agentActionInput, reply: reply.messageIdReply }),
  e('post', '/v1/question/:question_id/transfer', 'agent', 'Hand the question to another online agent of the app (action 7, extension)', {
    input: input.transferInput,
    reply: reply.messageIdReply,
  }),
  e('post', '/v1/question/:question_id/confirm_finish', 'user', 'Confirm the end the agent asked for (action 4)', { input: input.userActionInput, reply: reply.messageIdReply }),
  e('post', '/v1/serv/login', 'public', 'Sign an agent in from a browser: a new session bound to it', {
    input: input.servCredentialsInput,
    reply: reply.servLoginReply,
  }),
  e('post', '/v1/serv/logout', 'desk session', 'End a session made by /serv/login (its sockets disconnect)', { input: input.servLogoutInput, reply: reply.okReply }),
  e('post', '/v1/serv/status', 'agent', 'Choose to be online or away (extension)', { input: input.servStatusInput, reply: reply.servStatusReply }),
  e('get', '/v1/serv/agents', 'agent', 'The agents of an app: presence, load and capacity (extension)', { input: input.servAgentsInput, reply: reply.servAgentsReply }),
  e('post', '/v1/serv/unbind', 'any session', 'Log the agent out of this device', { input: input.servCredentialsInput, reply: reply.okReply }),
  e('get', '/v1/user', 'agent', 'HTML page about the asking user', { input: input.userPageInput, produces: 'text/html' }),
  e('post', '/v1/question/:question_id/reopen', 'user', 'Reopen a resolved question (action 6)', { input: input.userActionInput, reply: reply.messageIdReply }),
  e('post', '/v1/question/:question_id/rate', 'user', 'Rate the resolution of a question, once per cycle (extension)', { input: input.rateInput, reply: reply.rateReply }),
  e('get', '/v1/question/:question_id/cycles', 'agent', 'The resolution cycles of a question: times, counts, agents, ratings (extension)', {
    input: input.questionCyclesInput,
    reply: reply.cyclesReply,
  }),
  e('get', '/v1/reports/summary', 'admin or supervisor', 'Counts, wait / first response / resolution times and CSAT of an app, grouped (extension; format=csv for CSV)', {
    input: input.reportsSummaryInput,
    reply: reply.reportSummaryReply,
  }),
  e('get', '/v1/media/:kind/:file', 'public', 'Stored image or audio bytes', { input: input.mediaInput, produces: 'image/jpeg, audio/*' }),
  e('post', '/v1/admin/apps', 'admin', 'Create or rename an app', { input: input.adminAppInput, reply: reply.okReply }),
  e('post', '/v1/admin/users', 'admin', 'Create or update a user', { input: input.adminUserInput, reply: reply.okReply }),
  e('post', '/v1/admin/sessions', 'admin', 'Create a device session', { input: input.adminSessionInput, reply: reply.sessionReply }),
  e('delete', '/v1/admin/sessions/:session', 'admin', 'Revoke a device session', { input: input.adminSessionDeleteInput, reply: reply.okReply }),
  e('post', '/v1/admin/servs', 'admin', 'Create or update an agent', { input: input.adminServInput, reply: reply.okReply }),
  e('delete', '/v1/admin/servs/:serv_id', 'admin', 'Remove an agent (its devices are signed out, its questions go back to the queue)', { input: input.adminServDeleteInput, reply: reply.okReply }),
  e('delete', '/v1/admin/apps/:identify', 'admin', 'Remove an app (its sessions and templates; questions stay)', { input: input.adminAppDeleteInput, reply: reply.okReply }),
  e('post', '/v1/admin/templates', 'admin', 'Create a quick-answer template', { input: input.adminTemplateInput, reply: reply.templateIdReply }),
  e('post', '/v1/admin/webhooks', 'admin', 'Create a webhook for an app (its secret is shown this once)', { input: input.adminWebhookInput, reply: reply.webhookCreatedReply }),
  e('get', '/v1/admin/webhooks', 'admin', 'List webhooks, with their failing or disabled state (never a secret)', { input: input.adminWebhookListInput, reply: reply.webhooksReply }),
  e('delete', '/v1/admin/webhooks/:webhook_id', 'admin', 'Remove a webhook and its pending deliveries', { input: input.adminWebhookDeleteInput, reply: reply.okReply }),
  e('post', '/v1/admin/templates/:template_id/items', 'admin', 'Add an item to a template', { input: input.adminItemInput, reply: reply.itemIdReply }),
  e('get', '/v1/openapi.json', 'public', 'This API as an OpenAPI 3.1 document', { produces: 'application/json' }),
  e('get', '/v1/asyncapi.json', 'public', 'The socket events as an AsyncAPI 3.0 document', { produces: 'application/json' }),
  e('get', '/docs', 'public', 'The API reference page (REST and socket events)', { produces: 'text/html' }),
  e('get', '/healthz', 'public', 'The process is alive'),
  e('get', '/readyz', 'public', 'The store (and Redis, when set) answer'),
  e('get', '/metrics', 'metrics scraper', 'Prometheus metrics of this node (with METRICS_TOKEN set)', { produces: 'text/plain' }),
];
