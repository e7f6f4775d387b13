package io.magpie.raft;

import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.LifeCycle;

/**
 * A state machine that a snapshot sent by the leader can be installed into. Ratis pauses it
 * before it writes each chunk, and checks that it is paused before reinitialize:
 * BaseStateMachine's pause does nothing, so without this a member that needed a snapshot
 * stopped its division. Entries stop being applied meanwhile: Ratis applies none until the
 * reload.
 */
public abstract class PausableStateMachine extends BaseStateMachine {
    /** Once initialized: running. */
    protected final void started() {
        getLifeCycle().transition(LifeCycle.State.STARTING);
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    @Override
    public void pause() {
        LifeCycle lc = getLifeCycle();
        if (lc.getCurrentState() == LifeCycle.State.RUNNING) {
            lc.transition(LifeCycle.State.PAUSING);
            lc.transition(LifeCycle.State.PAUSED);
        }
    }

    /** After reinitialize loaded the installed snapshot: running again. */
    protected final void resumed() {
        if (getLifeCycle().getCurrentState() == LifeCycle.State.PAUSED) started();
    }
}
