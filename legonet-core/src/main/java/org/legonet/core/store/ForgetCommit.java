package org.legonet.core.store;

import org.legonet.core.ChangeRecord;

import java.util.List;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.PrivateSet;

/**
 * Everything one forget changes, handed to {@link ModelStore#commit} in one piece.
 *
 * @param next       the private samples without the forgotten rows
 * @param model      the model with the retrained adapters
 * @param retrained  the retrained adapters
 * @param erasedRows rows of the previous private set that are forgotten (ascending)
 * @param record     the deletion-log line (its {@code seq} and {@code time} are filled in by the store)
 */
public record ForgetCommit(PrivateSet next, LegoNetModel model, List<Adapter> retrained, int[] erasedRows,
                           ChangeRecord record) {
}
