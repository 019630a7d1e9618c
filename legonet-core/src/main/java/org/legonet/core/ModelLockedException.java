package org.legonet.core;

import java.nio.file.Path;

/**
 * A model directory another writer holds: a running service or another update. Reading it is
 * still possible; updating it waits until that writer has stopped (a service takes its updates as
 * requests).
 */
public class ModelLockedException extends StoreException {
    private static final long serialVersionUID = 1L;
    private final transient Path dir;

    public ModelLockedException(Path dir) {
        super("model directory " + dir + " is locked by another writer: its .lock file is held by a running service"
                + " or another update; send updates to the service, or try again when it has stopped");
        this.dir = dir;
    }

    /** The locked directory. */
    public Path dir() {
        return dir;
    }
}
