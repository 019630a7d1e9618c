package org.legonet.core;

import java.util.List;

/**
 * Samples to add whose ids the model already holds, or once held and forgot (re-adding a forgotten
 * id must be asked for explicitly), or that repeat within the request. Nothing was changed.
 */
public class IdConflictException extends LegoNetException {
    private static final long serialVersionUID = 1L;

    /** Why an id cannot be added. */
    public enum Reason {
        /** The model holds a sample with this id. */
        HELD,
        /** A sample with this id was forgotten; adding it again must be asked for explicitly. */
        FORGOTTEN,
        /** The id appears more than once among the samples to add. */
        REPEATED
    }

    private final Reason reason;
    private final List<Long> ids;

    public IdConflictException(Reason reason, List<Long> ids) {
        super(message(reason, ids));
        this.reason = reason;
        this.ids = List.copyOf(ids);
    }

    private static String message(Reason reason, List<Long> ids) {
        String list = IdList.of(ids);
        String s = ids.size() == 1 ? "" : "s";
        return switch (reason) {
            case HELD -> "sample id" + s + " " + list + " already in the model; nothing was added";
            case FORGOTTEN -> "sample id" + s + " " + list + " " + (ids.size() == 1 ? "was" : "were")
                    + " forgotten; adding a forgotten id again must be allowed explicitly; nothing was added";
            case REPEATED -> "sample id" + s + " " + list + " appear" + (ids.size() == 1 ? "s" : "")
                    + " more than once among the samples to add; nothing was added";
        };
    }

    public Reason reason() {
        return reason;
    }

    /** The conflicting ids, ascending. */
    public List<Long> ids() {
        return ids;
    }
}
