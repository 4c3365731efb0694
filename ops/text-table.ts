/** The table helpers moved to the shared CLI kit (the reaper's CLI prints tables too). */
export { formatTable, relativeTime } from '#reaper/cli-kit/text-table';
