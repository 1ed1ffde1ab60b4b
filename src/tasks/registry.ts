/** Task name → task. */
import { ConfigError } from '../errors.js';
import { dvsGestureTask } from './dvsgesture.js';
import { mnistTask } from './mnist.js';
import { nettalkTask } from './nettalk.js';
import type { Task } from './task.js';

export const TASK_NAMES = ['mnist', 'nettalk', 'dvsgesture'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

const TASKS: Record<TaskName, Task> = { mnist: mnistTask, nettalk: nettalkTask, dvsgesture: dvsGestureTask };

export function getTask(name: string): Task {
  const task = (TASKS as Record<string, Task>)[name];
  if (!task) throw new ConfigError(`unknown task "${name}" (expected one of: ${TASK_NAMES.join(', ')})`);
  return task;
}
