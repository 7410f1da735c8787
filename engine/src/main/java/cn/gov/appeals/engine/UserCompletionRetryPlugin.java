package cn.gov.appeals.engine;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.camunda.bpm.engine.OptimisticLockingException;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cmd.CompleteTaskCmd;
import org.camunda.bpm.engine.impl.cmd.SubmitTaskFormCmd;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.interceptor.Command;
import org.camunda.bpm.engine.impl.interceptor.CommandInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A user's completion of a task that meets a concurrent change of the same process instance is repeated by
 * the engine, so the user does not see ENGINE-03005 / {@code OptimisticLockingException}.
 *
 * <p>Why: a user completing a task (Tasklist's submit-form, REST's complete) at the moment a worker completes
 * an external task or correlates a message on the same instance loses the optimistic lock; the engine rolls
 * the user's call back whole and answered HTTP 500 “ENGINE-03005 … was updated by another transaction
 * concurrently”, and the user had to submit again by hand. The workers repeat their own side
 * (appeals.camunda.retry_on_conflict, the executor's conflict policy).
 *
 * <p>What: the commands in {@link #REPEATED} ({@link CompleteTaskCmd}, {@link SubmitTaskFormCmd}), when they
 * fail with an {@link OptimisticLockingException} (itself or as a cause), are run again, at most
 * {@link #ATTEMPTS} times in all, after a jittered wait growing from {@link #FIRST_WAIT_MS} ms (at most about
 * half a second in all). Each attempt is a new transaction and command context: the failed one was rolled
 * back whole (nothing of it is kept, the command objects keep only the task id and the submitted variables),
 * so the repeat is what the user's own second click would be. A repeat happens only for the outermost
 * command, whose transaction the engine itself began (not for a command nested in another, nor inside a
 * caller's transaction). Other failures (a form refusal, a missing task, an authorization) pass at once; after
 * the last attempt the conflict reaches the user as before.
 */
@Component
public class UserCompletionRetryPlugin extends AbstractProcessEnginePlugin {

  private static final Logger LOG = LoggerFactory.getLogger(UserCompletionRetryPlugin.class);

  /** The user's calls that are repeated after a conflict. */
  static final List<Class<?>> REPEATED = List.of(CompleteTaskCmd.class, SubmitTaskFormCmd.class);

  /** Attempts in all, the first included. */
  static final int ATTEMPTS = 5;

  /** The wait before the first repeat is between this and twice this (ms); it doubles with each repeat. */
  static final long FIRST_WAIT_MS = 10;

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    EngineHooks.beforeCommandContext(configuration, new CommandInterceptor() {
      @Override
      public <T> T execute(Command<T> command) {
        if (!repeatable(command)) {
          return next.execute(command);
        }
        for (int attempt = 1;; attempt++) {
          try {
            return next.execute(command);
          } catch (RuntimeException e) {
            if (attempt >= ATTEMPTS || !conflict(e)) {
              throw e;
            }
            long wait = waitBeforeRepeat(attempt);
            LOG.info("{} lost an optimistic lock (attempt {} of {}: {}); repeating it in {} ms",
                command.getClass().getSimpleName(), attempt, ATTEMPTS, e.getMessage(), wait);
            try {
              Thread.sleep(wait);
            } catch (InterruptedException interrupted) {
              Thread.currentThread().interrupt();
              throw e;
            }
          }
        }
      }
    });
  }

  /** A user's completion, run as the outermost command in a transaction the engine begins itself. */
  static boolean repeatable(Command<?> command) {
    return REPEATED.stream().anyMatch(type -> type.isInstance(command))
        && Context.getCommandContext() == null
        && !TransactionSynchronizationManager.isActualTransactionActive();
  }

  /** The failure is an optimistic-locking conflict, thrown as such or wrapped (e.g. by a listener's call). */
  static boolean conflict(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof OptimisticLockingException) {
        return true;
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return false;
  }

  /** Milliseconds before repeat number {@code attempt} (1 = the first repeat): jittered, doubling. */
  static long waitBeforeRepeat(int attempt) {
    long floor = FIRST_WAIT_MS << (attempt - 1);
    return ThreadLocalRandom.current().nextLong(floor, 2 * floor + 1);
  }
}
