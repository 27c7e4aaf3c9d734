export { Semaphore } from "./semaphore.js";
export { acquireFileLock, withFileLock, type FileLock, type FileLockOptions } from "./file-lock.js";
export { FileLockError, FileLockTimeoutError } from "./errors.js";
export { holderIsDead } from "./holder.js";
export { isProcessAlive } from "./process-alive.js";
export {
  findLockTempFiles,
  isTempOfLock,
  lockTempPath,
  parseLockTempName,
  removeStaleLockTempFiles,
  type LockTempFile,
  type LockTempName,
} from "./lock-temp-files.js";
