/**
 * `--shard auto`: which shard of a sweep this process runs, read from the scheduler's environment.
 *
 * - A Slurm job array: shard = SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN + 1 of
 *   SLURM_ARRAY_TASK_COUNT. Array ids may start anywhere (`--array=0-7` and `--array=1-8` give the
 *   same 8 shards), but they must be consecutive: a stepped or listed array (`--array=0-15:2`,
 *   `--array=1,4,9`) is refused, since its ids cannot be numbered 1…n. (Without
 *   SLURM_ARRAY_TASK_COUNT, as from an old Slurm, the count is MAX − MIN + 1.)
 * - A Kubernetes Indexed Job: shard = JOB_COMPLETION_INDEX + 1 (the index is 0-based) of the count
 *   the user gives: `--shards N` or the environment variable SELFPROP_SHARD_COUNT, set to the Job's
 *   `completions`.
 *
 * Slurm's variables win when both are set. Pure: the environment is a parameter.
 */
import { ConfigError } from '../errors.js';
import { parseShard, type Shard } from './sweep.js';

/** The environment variable giving the shard count of a Kubernetes Indexed Job (or any JOB_COMPLETION_INDEX runner). */
export const SHARD_COUNT_ENV = 'SELFPROP_SHARD_COUNT';

export type Environment = Readonly<Record<string, string | undefined>>;

/** A non-negative integer from the environment variable `name`, or undefined when it is unset or empty. */
function envInt(env: Environment, name: string): number | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new ConfigError(`--shard auto: ${name}="${text}" is not a non-negative integer`);
  return Number(text);
}

/**
 * The shard of this process from the environment (see the module comment); `shards`: the count
 * given with --shards, which a Kubernetes Indexed Job needs and a Slurm array must agree with.
 */
export function shardFromEnv(env: Environment, shards?: number): Shard {
  const id = envInt(env, 'SLURM_ARRAY_TASK_ID');
  if (id !== undefined) {
    const min = envInt(env, 'SLURM_ARRAY_TASK_MIN') ?? 0;
    const max = envInt(env, 'SLURM_ARRAY_TASK_MAX');
    const count = envInt(env, 'SLURM_ARRAY_TASK_COUNT') ?? (max !== undefined ? max - min + 1 : undefined);
    if (count === undefined || count < 1) throw new ConfigError('--shard auto: SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is');
    const step = envInt(env, 'SLURM_ARRAY_TASK_STEP');
    if ((step !== undefined && step !== 1) || (max !== undefined && max - min + 1 !== count)) {
      throw new ConfigError(`--shard auto: the job array's ids are not consecutive (min ${min}, max ${max ?? '?'}, ${count} tasks${step !== undefined ? `, step ${step}` : ''}): submit it with --array=0-${count - 1}`);
    }
    if (id < min || id - min >= count) throw new ConfigError(`--shard auto: SLURM_ARRAY_TASK_ID=${id} lies outside the array (min ${min}, ${count} tasks)`);
    if (shards !== undefined && shards !== count) throw new ConfigError(`--shards ${shards} contradicts the job array's ${count} tasks (SLURM_ARRAY_TASK_COUNT)`);
    return { index: id - min + 1, count };
  }
  const index = envInt(env, 'JOB_COMPLETION_INDEX');
  if (index !== undefined) {
    const fromEnv = envInt(env, SHARD_COUNT_ENV);
    if (shards !== undefined && fromEnv !== undefined && shards !== fromEnv) throw new ConfigError(`--shards ${shards} contradicts ${SHARD_COUNT_ENV}=${fromEnv}`);
    const count = shards ?? fromEnv;
    if (count === undefined) throw new ConfigError(`--shard auto: JOB_COMPLETION_INDEX=${index} but no shard count: pass --shards N or set ${SHARD_COUNT_ENV}=N (the Indexed Job's completions)`);
    if (count < 1) throw new ConfigError(`--shard auto: ${SHARD_COUNT_ENV}=${count}: the shard count must be at least 1`);
    if (index >= count) throw new ConfigError(`--shard auto: JOB_COMPLETION_INDEX=${index} is not below the shard count ${count} (indices run from 0 to ${count - 1})`);
    return { index: index + 1, count };
  }
  if (env.SLURM_JOB_ID) {
    throw new ConfigError(`--shard auto: Slurm job ${env.SLURM_JOB_ID} is not a job array (no SLURM_ARRAY_TASK_ID): submit it with --array=0-(N-1), as the script of --slurm FILE does`);
  }
  throw new ConfigError('--shard auto: no shard in the environment (expected SLURM_ARRAY_TASK_ID from a Slurm job array, or JOB_COMPLETION_INDEX from a Kubernetes Indexed Job)');
}

/** The value of --shard: "i/n", "auto" (from the environment), or nothing (every cell). */
export function resolveShard(text: string | undefined, env: Environment, shards?: number): Shard | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === 'auto') return shardFromEnv(env, shards);
  return parseShard(text);
}
