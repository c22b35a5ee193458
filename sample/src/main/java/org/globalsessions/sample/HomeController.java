package org.globalsessions.sample;

import java.security.Principal;

import jakarta.servlet.http.HttpSession;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/** The page behind the login: who is signed in, on which instance, and how often this session was here. */
@RestController
public class HomeController {

    private final String instance;

    public HomeController(@Value("${sample.instance:sample}") String instance) {
        this.instance = instance;
    }

    @GetMapping(path = "/", produces = MediaType.TEXT_HTML_VALUE)
    public String home(Principal user, HttpSession session) {
        Integer visits = (Integer) session.getAttribute("visits");
        visits = visits == null ? 1 : visits + 1;
        session.setAttribute("visits", visits);
        return "<!DOCTYPE html><html><head><title>global-sessions sample</title></head><body>"
                + "<p>Signed in as <b id=\"user\">" + HtmlUtils.htmlEscape(user.getName()) + "</b> on <b id=\"instance\">"
                + HtmlUtils.htmlEscape(instance) + "</b>; visits in this session: <b id=\"visits\">" + visits + "</b></p>"
                + "<p><a href=\"/logout\">Log out</a></p></body></html>";
    }
}
