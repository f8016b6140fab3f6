// Two modules inside the pinned bullmq package that the enqueuer uses (see PushEnqueuer); bullmq ships no
// declarations for them in its CommonJS build.
declare module 'bullmq/dist/cjs/scripts/addStandardJob-9' {
  export const addStandardJob: { name: string; content: string; keys: number };
}
declare module 'bullmq/dist/cjs/version' {
  export const version: string;
}
