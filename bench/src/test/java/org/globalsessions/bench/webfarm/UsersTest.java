package org.globalsessions.bench.webfarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

class UsersTest {

    private final AtomicInteger ids = new AtomicInteger();
    private final Supplier<String> newId = () -> "s" + ids.incrementAndGet();

    @Test
    void aSessionLivesForOneLoginTwentyValidationsAndOneLogout() {
        Users users = new Users(1);
        List<Users.Kind> kinds = new ArrayList<>();
        List<String> sessions = new ArrayList<>();
        for (int i = 0; i < 2 * (Users.VALIDATIONS_PER_SESSION + 2); i++) {
            Users.Step step = users.claim(0, newId);
            kinds.add(step.kind());
            sessions.add(step.sessionId());
            users.complete(step, true);
        }
        List<Users.Kind> life = new ArrayList<>();
        life.add(Users.Kind.LOGIN);
        for (int i = 0; i < Users.VALIDATIONS_PER_SESSION; i++) {
            life.add(Users.Kind.VALIDATE);
        }
        life.add(Users.Kind.LOGOUT);
        List<Users.Kind> twice = new ArrayList<>(life);
        twice.addAll(life);
        assertEquals(twice, kinds);
        int one = Users.VALIDATIONS_PER_SESSION + 2;
        assertEquals(List.of("s1"), sessions.subList(0, one).stream().distinct().toList(), "one id for a whole session");
        assertEquals(List.of("s2"), sessions.subList(one, 2 * one).stream().distinct().toList(), "a new id at the next login");
    }

    @Test
    void aBusyUserCannotBeClaimedUntilItsStepCompletes() {
        Users users = new Users(2);
        Users.Step first = users.claim(0, newId);
        assertNotNull(first);
        assertNull(users.claim(0, newId));
        assertNotNull(users.claim(1, newId), "another user is free");
        users.complete(first, true);
        Users.Step next = users.claim(0, newId);
        assertEquals(Users.Kind.VALIDATE, next.kind());
        assertEquals(first.sessionId(), next.sessionId());
    }

    @Test
    void aFailedLoginLeavesTheUserLoggedOutAndTheNextLoginTakesANewId() {
        Users users = new Users(1);
        String first = completeNext(users, false).sessionId();
        Users.Step again = users.claim(0, newId);
        assertEquals(Users.Kind.LOGIN, again.kind());
        assertNotEquals(first, again.sessionId());
    }

    @Test
    void aFailedLogoutStillEndsTheSession() {
        Users users = new Users(1);
        for (int i = 0; i <= Users.VALIDATIONS_PER_SESSION; i++) {
            completeNext(users, true);
        }
        assertEquals(Users.Kind.LOGOUT, completeNext(users, false).kind());
        assertEquals(Users.Kind.LOGIN, users.claim(0, newId).kind());
    }

    /** Claims user 0, completes its step with {@code ok} and returns the step. */
    private Users.Step completeNext(Users users, boolean ok) {
        Users.Step step = users.claim(0, newId);
        users.complete(step, ok);
        return step;
    }

    @Test
    void sessionIdsAreThirtyTwoHexDigits() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 1_000; i++) {
            String id = FarmLoad.sessionId(random);
            assertEquals(32, id.length(), id);
            assertEquals(id, id.replaceAll("[^0-9a-f]", ""), id);
        }
    }

    @Test
    void refusesAnEmptyPopulation() {
        assertThrows(IllegalArgumentException.class, () -> new Users(0));
    }
}
