package org.legonet.core;

/**
 * Told of each step of a model directory's commit as it completes. The service uses it to count
 * commits and to let fault-injection tests stop a process at a chosen step; a crash after any step
 * leaves a store that opens to the old model (before {@link Stage#MANIFEST_SWITCHED}) or the new
 * one (from it on).
 */
@FunctionalInterface
public interface CommitObserver {
    /** Does nothing. */
    CommitObserver NONE = stage -> { };

    /** The steps of a commit, in order. */
    enum Stage {
        /** Retraining is done; nothing is written yet. */
        STARTED,
        /** The rewritten data chunks (without the forgotten samples) are on disk, unreferenced. */
        CHUNKS_WRITTEN,
        /** The retrained adapters are on disk, unreferenced. */
        ADAPTERS_WRITTEN,
        /** The deletion record is appended past the committed length of the log. */
        LOG_APPENDED,
        /** The new manifest is in place: the commit point. */
        MANIFEST_SWITCHED,
        /** The superseded files (the last copies of the forgotten samples) are deleted. */
        CLEANED_UP
    }

    void reached(Stage stage);
}
