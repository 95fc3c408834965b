/** /question/*: asking, the queue, the transitions, messages. */
import { Router, type RequestHandler } from 'express';
import type { z } from 'zod';
import { MESSAGE_TYPE, STATUS } from '../../../shared/limits.js';
import {
  agentActionInput,
  questionListInput,
  questionMessagesInput,
  questionCyclesInput,
  questionNewInput,
  rateInput,
  sendAudioInput,
  sendImageInput,
  sendNoteInput,
  sendTextInput,
  transferInput,
  userActionInput,
} from '../../../shared/schemas/requests.js';
import type { Deps } from '../../deps.js';
import { messagePoster, type MessageContent } from '../../domain/commands/messagePoster.js';
import { notePoster } from '../../domain/commands/notePoster.js';
import { questionCreator } from '../../domain/commands/questionCreator.js';
import { questionRater } from '../../domain/commands/questionRater.js';
import { questionTransitioner } from '../../domain/commands/questionTransitioner.js';
import { mediaUrl, presentCycle, presentMessage, presentNote, presentRating } from '../../domain/presenters.js';
import { listCycles, listMessages, listQueue } from '../../domain/queries.js';
import { isNoteRecord } from '../../domain/timeline.js';
import type { TransitionName } from '../../domain/stateMachine.js';
import { intakeAudio } from '../../media/audioIntake.js';
import { intakeImage } from '../../media/imageIntake.js';
import { storeMedia } from '../../media/mediaStorage.js';
import { baseUrlOf, ok } from '../reply.js';
import { actorOf, authenticate } from '../session.js';
import { input } from '../validate.js';

/** What every send carries, whatever its content. */
type SendCommon = Pick<z.output<typeof sendTextInput>, 'question_id' | 'sender' | 'sender_type' | 'client_msg_id'>;

export function questionsRouter(deps: Deps, limits: { send: RequestHandler }): Router {
  const router = Router();
  const auth = authenticate(deps);

  router.post('/question/new', auth, async (req, res) => {
    const params = input(req, questionNewInput);
    const question = await questionCreator(deps, {
      actor: actorOf(res),
      title: params.title ?? '',
      labels: params.label ?? [],
    });
    ok(res, { question_id: question.id, question: { id: question.id, status: STATUS.pending } });
  });

  router.get('/question/list', auth, async (req, res) => {
    ok(res, { questions: await listQueue(deps, actorOf(res), input(req, questionListInput)) });
  });

  // One route per row of the transition table that a person triggers; agents name their serv_id.
  const transitions: Array<[string, TransitionName, typeof agentActionInput | typeof userActionInput]> = [
    ['serve', 'serve', agentActionInput],
    ['quit', 'quit', agentActionInput],
    ['finish', 'finish', agentActionInput],
    ['request_finish', 'requestFinish', agentActionInput],
    ['reopen', 'reopen', userActionInput],
    ['confirm_finish', 'confirmFinish', userActionInput],
  ];
  for (const [path, name, schema] of transitions) {
    router.post(`/question/:question_id/${path}`, auth, async (req, res) => {
      const params: { question_id: string; serv_id?: string } = input(req, schema);
      const { notice } = await questionTransitioner(deps, {
        name,
        questionId: params.question_id,
        actor: actorOf(res),
        servId: params.serv_id,
      });
      ok(res, { message_id: notice.id });
    });
  }

  // Transfer names one agent more: the one the question goes to.
  router.post('/question/:question_id/transfer', auth, async (req, res) => {
    const params = input(req, transferInput);
    const { notice } = await questionTransitioner(deps, {
      name: 'transfer',
      questionId: params.question_id,
      actor: actorOf(res),
      servId: params.serv_id,
      toServId: params.to_serv_id,
    });
    ok(res, { message_id: notice.id });
  });

  router.post('/question/:question_id/rate', auth, async (req, res) => {
    const params = input(req, rateInput);
    const cycle = await questionRater(deps, { actor: actorOf(res), questionId: params.question_id, score: params.score, comment: params.comment });
    ok(res, { cycle: cycle.n, rating: presentRating(cycle.rating!) });
  });

  router.get('/question/:question_id/cycles', auth, async (req, res) => {
    const params = input(req, questionCyclesInput);
    ok(res, { cycles: (await listCycles(deps, actorOf(res), params.question_id)).map(presentCycle) });
  });

  router.get('/question/:question_id/message', auth, async (req, res) => {
    const params = input(req, questionMessagesInput);
    const messages = await listMessages(deps, actorOf(res), params);
    const baseUrl = baseUrlOf(deps.config, req);
    ok(res, { messages: messages.map((entry) => (isNoteRecord(entry) ? presentNote(entry) : presentMessage(entry, baseUrl))) });
  });

  router.post('/question/:question_id/message/send_note', limits.send, auth, async (req, res) => {
    const params = input(req, sendNoteInput);
    const { note } = await notePoster(deps, {
      actor: actorOf(res),
      questionId: params.question_id,
      sender: params.sender,
      text: params.text,
      clientMsgId: params.client_msg_id,
    });
    ok(res, { message_id: note.id });
  });

  /** A send route: the same checks for every kind; only the content and the URL field differ. */
  function sendRoute<S extends typeof sendTextInput | typeof sendImageInput | typeof sendAudioInput>(
    kind: 'text' | 'image' | 'audio',
    schema: S,
    content: (params: z.output<S>) => Promise<MessageContent>,
  ) {
    router.post(`/question/:question_id/message/send_${kind}`, limits.send, auth, async (req, res) => {
      const params = input(req, schema) as z.output<S>;
      const common: SendCommon = params;
      const { message } = await messagePoster(deps, {
        actor: actorOf(res),
        questionId: common.question_id,
        sender: common.sender,
        senderType: common.sender_type,
        clientMsgId: common.client_msg_id,
        type: MESSAGE_TYPE[kind],
        content: () => content(params),
      });
      // A retry gets the first message's URL back, whatever it sent this time.
      const url = kind === 'text' ? {} : { [`${kind}_url`]: mediaUrl(baseUrlOf(deps.config, req), message.mediaPath ?? '') };
      ok(res, { message_id: message.id, ...url });
    });
  }

  sendRoute('text', sendTextInput, async (params) => ({ type: MESSAGE_TYPE.text, text: params.text }));

  sendRoute('image', sendImageInput, async (params) => {
    const image = await intakeImage(params.image);
    const path = await storeMedia(deps.store, 'image', image.bytes, 'image/jpeg', 'jpg');
    return { type: MESSAGE_TYPE.image, mediaPath: path };
  });

  sendRoute('audio', sendAudioInput, async (params) => {
    const audio = intakeAudio(params.audio);
    const path = await storeMedia(deps.store, 'audio', audio.bytes, audio.format.contentType, audio.format.ext);
    return { type: MESSAGE_TYPE.audio, mediaPath: path, audioLen: params.audio_len };
  });

  return router;
}
