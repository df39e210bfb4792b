"""Expected reply splits of the public e-mail fixtures, as cases for `clean_email_body` (plain module).

Development set: github/email_reply_parser's test e-mails; each case lists text the reply must keep and
text it must not (quoted history, signatures, list footers), taken from the fragments its Ruby tests
assert as visible or as quoted/signature/hidden.
Test set: mailgun/talon's fixtures: `standard_replies` (the reply is "Hello", or the `*_reply_text`
file), `html_replies` ("Hi. I am fine."), the labelled signature bodies (`stripped/<name>_body` minus
`<name>_signature`; `P/` files marked `#sig#`/`#reply#`), and three single-case files. talon keeps the
sign-off ("Thanks, Alex", "Sent from my iPhone") as part of the reply; ftcurate removes sign-offs, so
the expected reply here is talon's with its sign-off lines removed.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class EmailCase:
    name: str
    body: str
    keep: list[str] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)
    exact: str | None = None
    sender: str | None = None

    def check(self, reply: str) -> bool:
        if self.exact is not None:
            return _ws(reply) == _ws(self.exact)
        return all(_ws(k) in _ws(reply) for k in self.keep) and not any(_ws(d) in _ws(reply) for d in self.drop)


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


DEV_SPECS = {
    "correct_sig": (["this is an email with a correct -- signature."], ["rick"]),
    "email_1_1": (["Hi folks", "I am currently using the Java HTTP API."], ["-Abhishek Kona", "mailing list"]),
    "email_1_2": (["Hi,", "You can list the keys for the bucket", "would do it.", "need to delete them all individually"],
                  ["Abhishek Kona wrote", "> Hi folks", "-Abhishek Kona", "mailing list"]),
    "email_1_3": (["Oh thanks.", "Having the function would be great."],
                  ["-Abhishek Kona", "Russell Brown wrote", "You can list the keys"]),
    "email_1_4": (["Awesome! I haven't had another problem with it."], ["defunkt", "Loader seems"]),
    "email_1_5": (["One: Here's what I've got.", "- This is the fourth bullet point", "Two:",
                   "- And another one", "It goes on and on for a while."], []),
    "email_1_6": (["I get proper rendering as well."], ["Corey Donohoe", "Was this caching related"]),
    "email_1_7": ([":+1:"], ["Chris Wanstrath", "Steps 0-2"]),
    "email_1_8": (["I will reply under this one", "and under this."],
                  ["here's some stuff I can write", "Hey there, this is my signature", "Tim Haines", "okay?"]),
    "email_2_1": (["Outlook with a reply"], ["Google Apps Sync", "From:", "-----"]),
    "email_2_2": (["Outlook with a reply directly above line"], ["CRM Comments", "A new comment", "____"]),
    "email_2_3": (["Outlook with a reply directly above line"], ["CRM Comments", "A new comment"]),
    "email_BlackBerry": (["Here is another email"], ["Sent from my BlackBerry"]),
    "email_iPhone": (["Here is another email"], ["Sent from my iPhone"]),
    "email_multi_word_sent_from_my_mobile_device": (["Here is another email"], ["Verizon"]),
    "email_bullets": (["test 2 this should list second", "and retain this formatting", "- how about bullets",
                       "- and another"], ["goalengine", "Give us an example", "Joe Smith"]),
    "email_one_is_not_on": (["Thank, this is really helpful.", "One outstanding question I had:",
                             "Locally (on development), when I run..."], ["Dave Tapley", "much better query"]),
    "email_sent_from_my_not_signature": (["Here is another email",
                                          "Sent from my desk, is much easier then my mobile phone."], []),
    "email_sig_delimiter_in_middle_of_line": (["Stuff happened.", "And here is a fix -- this is not a signature.",
                                               "kthxbai"], []),
    "greedy_on": (["On your remote host you can run:", "telnet 127.0.0.1 52698", "the tunnel is not working."],
                  ["George Plymale", "odd issue"]),
    "pathological": (["I think you're onto something.", "get back to a computer."],
                     ["John Sullivan", "organism.sequence"]),
}


def reply_parser_cases(root: Path) -> list[EmailCase]:
    folder = root / "email_reply_parser" / "emails"
    return [EmailCase(name, (folder / f"{name}.txt").read_text(encoding="utf-8"), keep, drop)
            for name, (keep, drop) in DEV_SPECS.items()]


def _plain_part(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    part = msg.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def talon_cases(root: Path) -> list[EmailCase]:
    from ftcurate.core.importers.htmltext import html_to_text

    t = root / "talon_email_fixtures"
    cases = []
    for f in sorted((t / "standard_replies").glob("*.eml")):
        cases.append(EmailCase(f"standard/{f.stem}", _plain_part(f.read_bytes()), exact="Hello"))
    for f in sorted((t / "html_replies").glob("*.html")):
        html = f.read_text(encoding="utf-8", errors="replace")
        cases.append(EmailCase(f"html/{f.stem}", html_to_text(html), exact="Hi. I am fine."))
    sig = t / "signature" / "emails"
    for f in sorted((sig / "stripped").glob("*_body")):
        stem = f.name[:-5]
        body = f.read_text(encoding="utf-8")
        signature = (sig / "stripped" / f"{stem}_signature").read_text(encoding="utf-8").strip()
        sender = (sig / "stripped" / f"{stem}_sender").read_text(encoding="utf-8").strip() or None
        reply = body.strip()[:len(body.strip()) - len(signature)] if signature else body
        cases.append(EmailCase(f"signature/{stem}", body, exact=reply, sender=sender))
    for f in sorted((sig / "P").iterdir()):
        text = f.read_text(encoding="utf-8")
        if "#sig#" not in text:
            continue
        if text.startswith("From:"):
            text = text.split("\n\n", 1)[1]
        lines = text.split("\n")
        body = "\n".join(re.sub(r"^#(?:sig|reply)#", "", ln) for ln in lines)
        reply = "\n".join(ln for ln in lines if not ln.startswith("#"))
        cases.append(EmailCase(f"signature/P/{f.name}", body, exact=reply))
    cases.append(EmailCase("reply-separated-by-hr", html_to_text((t / "reply-separated-by-hr.html").read_text()),
                           keep=["Hi", "there"], drop=["bob@example.com", "Hello"]))
    cases.append(EmailCase("OLK_SRC_BODY_SECTION", html_to_text((t / "OLK_SRC_BODY_SECTION.html").read_text()),
                           keep=["Reply"], drop=["bob@example.com", "Hi"]))
    cases.append(EmailCase("reply-quotations-share-block",
                           _plain_part((t / "reply-quotations-share-block.eml").read_bytes()),
                           keep=["Hi Katharine.", "look forward to hearing from you soon."],
                           drop=["From: xxx@example.com", "booking inquiry"]))
    return cases
