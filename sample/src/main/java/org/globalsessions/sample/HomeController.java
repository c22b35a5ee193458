package org.globalsessions.sample;

import java.io.IOException;
import java.security.Principal;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

import org.globalsessions.spring.GlobalSessionsSessionRepository;

/**
 * The page behind the login: who is signed in, on which instance, and how often this session was
 * here; and "log out everywhere", which ends every session of the user on every instance.
 */
@RestController
public class HomeController {

    private final String instance;
    private final GlobalSessionsSessionRepository sessions;

    public HomeController(@Value("${sample.instance:sample}") String instance, GlobalSessionsSessionRepository sessions) {
        this.instance = instance;
        this.sessions = sessions;
    }

    /** "Log out everywhere": every session of the signed-in user, on every instance and host, this one included. */
    @PostMapping("/logout-everywhere")
    public void logoutEverywhere(Principal user, HttpServletResponse response) throws IOException {
        sessions.logoutAll(user.getName());
        response.sendRedirect("/login?logout");
    }

    @GetMapping(path = "/", produces = MediaType.TEXT_HTML_VALUE)
    public String home(Principal user, HttpSession session, CsrfToken csrf) {
        Integer visits = (Integer) session.getAttribute("visits");
        visits = visits == null ? 1 : visits + 1;
        session.setAttribute("visits", visits);
        return "<!DOCTYPE html><html><head><title>global-sessions sample</title></head><body>"
                + "<p>Signed in as <b id=\"user\">" + HtmlUtils.htmlEscape(user.getName()) + "</b> on <b id=\"instance\">"
                + HtmlUtils.htmlEscape(instance) + "</b>; visits in this session: <b id=\"visits\">" + visits + "</b></p>"
                + "<p><a href=\"/logout\">Log out</a></p>"
                + "<form method=\"post\" action=\"/logout-everywhere\">" + LoginController.csrfInput(csrf)
                + "<button id=\"everywhere\" type=\"submit\">Log out everywhere</button></form></body></html>";
    }
}
