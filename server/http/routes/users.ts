/** /user/*: a user's question lists, and the user page agents open from a question. */
import { Router } from 'express';
import { STATUS, type QuestionStatus } from '../../../shared/limits.js';
import { userPageInput, userQuestionsInput } from '../../../shared/schemas/requests.js';
import type { Deps } from '../../deps.js';
import { authorizeSeeAsker } from '../../domain/policies.js';
import { presentAny, presentServed, presentWait } from '../../domain/presenters.js';
import { listUserQuestions, loadQuestion } from '../../domain/queries.js';
import type { QuestionRecord } from '../../stores/types.js';
import { ok } from '../reply.js';
import { actorOf, authenticate } from '../session.js';
import { input } from '../validate.js';
import { renderUserPage, USER_PAGE_CSP } from '../userPage.js';

const USER_LISTS: Array<[string, QuestionStatus | undefined, (q: QuestionRecord) => object]> = [
  ['waits', STATUS.pending, presentWait],
  ['tasks', STATUS.inProgress, presentServed],
  ['overs', STATUS.resolved, presentServed],
  ['alls', undefined, presentAny],
];

export function usersRouter(deps: Deps): Router {
  const router = Router();
  const auth = authenticate(deps);

  for (const [path, status, present] of USER_LISTS) {
    router.get(`/user/:user_id/${path}`, auth, async (req, res) => {
      const questions = await listUserQuestions(deps, actorOf(res), status, input(req, userQuestionsInput));
      ok(res, { questions: questions.map(present) });
    });
  }

  router.get('/user', auth, async (req, res) => {
    const params = input(req, userPageInput);
    const question = await loadQuestion(deps, params.question_id);
    authorizeSeeAsker(actorOf(res), question);
    const user = await deps.store.accounts.getUser(question.userId);
    res.setHeader('Content-Security-Policy', USER_PAGE_CSP);
    res.setHeader('Cache-Control', 'private, no-store');
    res.type('html').send(renderUserPage(question.userId, user));
  });

  return router;
}
