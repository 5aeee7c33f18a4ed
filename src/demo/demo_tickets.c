/*
 * The demo desk's scenarios: one function per kind of case an exchange's support team
 * sees every day, each writing a ticket and its conversation from the parameters it
 * draws (assets, networks, amounts, names, reasons), so that two tickets of the same
 * kind read as two different customers' cases. Scripts are linear; the loader may stop
 * after any step (see demo_int.h), so each step must make sense as the last one.
 *
 * All text here was written for Frontdesk's demo. Addresses use reserved documentation
 * IP ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24).
 */
#include "demo_int.h"

#include <stdio.h>
#include <string.h>

#define SUBJ(...) demo__subject(p, __VA_ARGS__)
#define OPEN(...) demo__open(p, __VA_ARGS__)
#define CUST(...) demo__customer(p, __VA_ARGS__)
#define AGENT(st, ...) demo__agent(p, st, __VA_ARGS__)
#define NOTE(...) demo__note(p, __VA_ARGS__)
#define ESCALATE(tier, ...) demo__escalate(p, tier, __VA_ARGS__)
#define TRANSFER(dept, ...) demo__transfer(p, dept, __VA_ARGS__)
#define STATUS(st) demo__status(p, st)
#define FOLLOWUP(...) demo__followup(p, __VA_ARGS__)
#define TAG(t) demo__tag(p, t)
#define ONE(...) DEMO__ONE(r, __VA_ARGS__)
#define AG(tier) demo__agent_first(p->dept, tier)
#define SC(name)                                                                                   \
    static void name(struct demo__plan *p, struct demo__rng *r, const struct demo__persona *c)

/* ---- shared parameters ---------------------------------------------------------- */

struct chain {
    const char *asset, *network, *label;
    long lo, hi;
    int scale;
    const char *explorer;
    const char *settle; /* what "final" means on this chain */
    const char *fee;    /* our withdrawal fee */
};

static const struct chain chains[] = {
    {"BTC", "bitcoin", "Bitcoin", 120, 180000, 5, "mempool.space", "2 confirmations", "0.0002 BTC"},
    {"ETH", "ethereum", "Ethereum (ERC20)", 8, 6500, 3, "Etherscan", "64 block confirmations",
     "0.0011 ETH"},
    {"USDT", "tron", "Tron (TRC20)", 40, 38000, 0, "Tronscan", "20 block confirmations", "1 USDT"},
    {"SOL", "solana", "Solana", 15, 9000, 1, "Solscan", "finalization (about 15 seconds)",
     "0.008 SOL"},
    {"USDC", "ethereum", "Ethereum (ERC20)", 50, 25000, 0, "Etherscan", "64 block confirmations",
     "3.5 USDC"},
    {"LTC", "litecoin", "Litecoin", 5, 4000, 1, "a Litecoin block explorer", "6 confirmations",
     "0.001 LTC"},
};
#define NCHAINS ((int)(sizeof(chains) / sizeof(chains[0])))

/* The four chains the desk sees most, weighted like a real withdrawal queue. */
static const struct chain *pick_chain(struct demo__rng *r)
{
    static const int w[NCHAINS] = {30, 18, 30, 14, 5, 3};
    int x = demo__pick(r, 100);
    for (int i = 0; i < NCHAINS; i++) {
        if (x < w[i])
            return &chains[i];
        x -= w[i];
    }
    return &chains[0];
}

static void set_chain(struct demo__plan *p, struct demo__rng *r, const struct chain *ch)
{
    snprintf(p->asset, sizeof(p->asset), "%s", ch->asset);
    snprintf(p->network, sizeof(p->network), "%s", ch->network);
    demo__amount(r, p->amount, sizeof(p->amount), ch->lo, ch->hi, ch->scale);
}

static const char *own_wallet(struct demo__rng *r)
{
    return ONE("my Ledger", "my Trezor", "my MetaMask wallet", "my Trust Wallet",
               "my account at another exchange", "my own hardware wallet", "my Exodus wallet",
               "my cold wallet");
}

static const char *doc_ip(struct demo__rng *r, char *out, size_t n)
{
    static const char *const nets[] = {"192.0.2", "198.51.100", "203.0.113"};
    snprintf(out, n, "%s.%d", nets[demo__pick(r, 3)], 2 + demo__pick(r, 250));
    return out;
}

static const char *sign_off(struct demo__rng *r, const struct demo__persona *c, char *out, size_t n)
{
    const char *s = ONE("Thanks,\n", "Best regards,\n", "Cheers,\n", "Kind regards,\n", "", "");
    snprintf(out, n, "%s%s", s, *s ? c->first : "");
    return out;
}

/* ---- deposits & withdrawals ----------------------------------------------------- */

SC(withdrawal_processing)
{
    const struct chain *ch = pick_chain(r);
    set_chain(p, r, ch);
    char addr[80], txid[132], sig[64];
    demo__address(r, ch->network, addr, sizeof(addr));
    demo__txid(r, ch->network, txid, sizeof(txid));
    int hours = (int)demo__range(r, 3, 30);
    const char *wallet = own_wallet(r);
    sign_off(r, c, sig, sizeof(sig));
    TAG("withdrawal");
    TAG(ch->network);
    switch (demo__pick(r, 3)) {
    case 0:
        SUBJ("%s withdrawal stuck on \"Processing\" for %d hours", ch->asset, hours);
        OPEN("Hi,\n\nI withdrew %s %s to %s (%s) about %d hours ago and it still says "
             "Processing in my withdrawal history. There is no TXID yet. Normally this takes "
             "ten minutes at most. Can you check what is going on?\n\nUID %s\n\n%s",
             p->amount, ch->asset, wallet, addr, hours, c->uid, sig);
        break;
    case 1:
        SUBJ("Withdrawal of %s %s not sent yet", p->amount, ch->asset);
        OPEN("Hello support,\n\nMy withdrawal of %s %s on the %s network has been pending "
             "since yesterday evening. The app only says \"Processing\" and gives no other "
             "information. I need these funds to pay an invoice, so a quick answer would be "
             "appreciated.\n\nDestination: %s\n\n%s",
             p->amount, ch->asset, ch->label, addr, sig);
        p->priority = "high";
        break;
    default:
        SUBJ("where is my %s??", ch->asset);
        OPEN("withdrawal %s %s still processing after %d hours, no txid. address %s. every other "
             "platform sends in minutes. please check asap",
             p->amount, ch->asset, hours, addr);
        break;
    }
    const char *reason = ONE("it is the first withdrawal to this address",
                             "it is considerably larger than your usual withdrawals",
                             "your password was changed less than 48 hours before it",
                             "it was requested from a device we had not seen on your account");
    AGENT("pending",
          "Hi %s,\n\nThank you for your patience. I can see the withdrawal on our side: it "
          "was held for a routine security review because %s. Nothing is wrong with your "
          "funds.\n\nTo release it, please reply here and confirm:\n1. that you requested "
          "this withdrawal yourself, and\n2. who owns the destination address.\n\nWe will "
          "never ask for your password, 2FA codes or recovery phrase.\n\n— %s",
          c->first, reason, AG(1));
    CUST("%s", ONE("Yes, it was me. The address is my own hardware wallet.",
                   "Confirmed, I made the withdrawal myself and the address is mine (a wallet I "
                   "set up last week, that's probably why it is new).",
                   "Yes I requested it. It goes to my account at another exchange where I have "
                   "an open order waiting for these funds.",
                   "It's me. I changed my password on Monday because the old one was in a "
                   "breach notification, that's all."));
    NOTE("Risk hold reason: %s. Login device and IP match the last 30 days, address has no "
         "exposure in the screening report. OK to release.",
         reason);
    AGENT("solved",
          "Thanks for confirming, %s. The withdrawal has been released and broadcast.\n\n"
          "TXID: %s\n\nYou can follow it on %s; the funds count as received after %s. If "
          "anything looks off, reply here and this ticket reopens.\n\n— %s",
          c->first, txid, ch->explorer, ch->settle, AG(1));
    STATUS("closed");
    FOLLOWUP("Hi again, the %s arrived, thanks. Will every withdrawal to this address be held "
             "like this from now on? It's a bit stressful.",
             ch->asset);
}

SC(withdrawal_not_received)
{
    const struct chain *ch = pick_chain(r);
    set_chain(p, r, ch);
    demo__txid(r, ch->network, p->txid, sizeof(p->txid));
    int hours = (int)demo__range(r, 1, 20);
    TAG("withdrawal");
    TAG(ch->network);
    const char *where = own_wallet(r);
    SUBJ("%s (%s %s)",
         ONE("Withdrawal completed but not received", "Funds not arrived in my wallet",
             "Withdrawal says completed, wallet empty"),
         p->amount, ch->asset);
    OPEN("Hello,\n\nThe withdrawal of %s %s shows \"Completed\" on your site and the TXID is "
         "%s, but %s still shows nothing after %d hour%s.\n\nCan you confirm the funds really "
         "left? I am starting to worry.",
         p->amount, ch->asset, p->txid, where, hours, hours == 1 ? "" : "s");
    const char *why;
    if (strcmp(ch->network, "bitcoin") == 0)
        why = "the transaction is confirmed on the Bitcoin network. Some wallets and platforms "
              "only show a deposit after 3 to 6 confirmations, and light wallets sometimes "
              "need a manual refresh or a rescan to pick it up";
    else if (strcmp(ch->network, "tron") == 0)
        why = "Tronscan shows the transfer as SUCCESS and the USDT is at the destination "
              "address. If the destination is an account at another platform, only their "
              "deposit team can credit it; please send them the TXID above";
    else if (strcmp(ch->network, "solana") == 0)
        why = "the transaction is finalized on Solana. If the destination is an exchange "
              "deposit address, please check whether they required a memo; without it they "
              "have to assign the deposit to your account by hand";
    else
        why = "the transaction is confirmed on-chain. If you are looking in a browser wallet, "
              "make sure it is set to the right network and, for tokens, that the token is "
              "added to the asset list, otherwise the balance stays hidden";
    AGENT("pending",
          "Hi %s,\n\nI checked the TXID: %s.\n\nOn our side the withdrawal is final, so the "
          "funds are no longer on the exchange. Could you check again with that in mind and "
          "let us know?\n\n— %s",
          c->first, why, AG(1));
    if (demo__chance(r, 55)) {
        CUST("%s", ONE("Found it. The wallet needed a resync, the balance is there now. Sorry "
                       "for the trouble!",
                       "You were right, the other exchange credited it after I sent them the "
                       "TXID. Thanks.",
                       "Ok it's there, I was looking at the wrong network in my wallet app. "
                       "My mistake."));
        AGENT("solved", "Glad it's sorted, %s. Have a good day!\n\n— %s", c->first, AG(1));
    } else {
        CUST("The other platform says they can't find it and asked for an official "
             "confirmation from you showing the amount, the destination and the TXID. Can you "
             "send that?");
        NOTE("Generated the signed withdrawal statement from the back office and sent it to the "
             "customer's verified email. Chain data matches our record.");
        AGENT("solved",
              "We've emailed you a signed withdrawal statement with the amount, destination "
              "address, network and TXID. You can forward it to the receiving platform as it "
              "is. If they still can't locate the deposit, reply here and we'll help.\n\n— %s",
              AG(1));
    }
    STATUS("closed");
}

SC(deposit_wrong_network)
{
    static const struct {
        const char *asset, *network, *label;
    } opts[] = {
        {"USDT", "bsc", "BNB Smart Chain (BEP20)"},
        {"USDC", "polygon", "Polygon"},
        {"ETH", "arbitrum", "Arbitrum One"},
        {"USDT", "polygon", "Polygon"},
        {"ETH", "base", "Base"},
        {"USDC", "bsc", "BNB Smart Chain (BEP20)"},
    };
    int i = demo__pick(r, (int)(sizeof(opts) / sizeof(opts[0])));
    snprintf(p->asset, sizeof(p->asset), "%s", opts[i].asset);
    snprintf(p->network, sizeof(p->network), "%s", opts[i].network);
    if (strcmp(opts[i].asset, "ETH") == 0)
        demo__amount(r, p->amount, sizeof(p->amount), 50, 8000, 3);
    else
        demo__amount(r, p->amount, sizeof(p->amount), 80, 30000, 0);
    demo__txid(r, p->network, p->txid, sizeof(p->txid));
    TAG("deposit");
    TAG("wrong-network");
    p->triage = "high";
    SUBJ("%s sent on %s instead of Ethereum - not credited", p->asset, opts[i].label);
    OPEN("I made a mistake. I deposited %s %s to my %s deposit address, but I sent it over "
         "%s instead of Ethereum. The transaction went through (%s) and the funds left my "
         "wallet, but my balance here didn't change.\n\nIs it lost? Please tell me you can "
         "recover it, it's a lot of money for me.",
         p->amount, p->asset, p->asset, opts[i].label, p->txid);
    const char *fee =
        ONE("50 USDT", "the equivalent of 40 USD", "0.5% of the amount (at least 25 USDT)");
    AGENT("pending",
          "Hi %s,\n\nDon't worry, the funds are not lost. Your deposit address has the same "
          "format on %s and on Ethereum, so the transfer reached an address we control, just "
          "on a network we don't watch for this address.\n\nWe can recover it manually. It "
          "takes two to four weeks and a recovery fee of %s is deducted. Please reply to "
          "confirm that you accept the fee and want us to go ahead.\n\n— %s",
          c->first, opts[i].label, fee, AG(1));
    CUST("Yes, please go ahead. I accept the fee. Thank you so much.");
    ESCALATE(2,
             "Customer accepted the recovery fee (%s). Checked the tx on %s: destination is "
             "this uid's ERC20 deposit address, amount matches. Handing to tier 2 to file with "
             "wallet ops.",
             fee, opts[i].label);
    AGENT("on_hold",
          "Hi %s,\n\nI've filed the recovery with our wallet operations team. Recoveries run "
          "in batches every two weeks; I'll update this ticket as soon as yours is done. You "
          "don't need to do anything in the meantime.\n\n— %s",
          c->first, AG(2));
    AGENT("solved",
          "Good news: the recovery batch has finished and your %s %s, minus the fee, is now "
          "in your Spot wallet.\n\nNext time, please double-check that the network selected in "
          "the sending wallet matches the one shown on our deposit page.\n\n— %s",
          p->amount, p->asset, AG(2));
    STATUS("closed");
}

SC(deposit_missing_tag)
{
    int xlm = demo__chance(r, 30);
    const char *asset = xlm ? "XLM" : "XRP";
    const char *tagword = xlm ? "memo" : "destination tag";
    snprintf(p->asset, sizeof(p->asset), "%s", asset);
    snprintf(p->network, sizeof(p->network), "%s", xlm ? "stellar" : "xrp");
    demo__amount(r, p->amount, sizeof(p->amount), 25, xlm ? 60000 : 20000, 0);
    demo__txid(r, p->network, p->txid, sizeof(p->txid));
    char from[80], tag[16], sig[64];
    demo__address(r, p->network, from, sizeof(from));
    demo__digits(r, tag, (int)demo__range(r, 6, 9));
    const char *sender =
        ONE("another exchange", "my Xaman wallet", "my Ledger", "a wallet app on my phone");
    sign_off(r, c, sig, sizeof(sig));
    TAG("deposit");
    TAG(xlm ? "memo" : "xrp-tag");
    SUBJ("%s deposit without %s", asset, tagword);
    OPEN("Hi, I sent %s %s from %s to my deposit address but I forgot to enter the %s. "
         "Transaction hash: %s\n\nHow can I get it credited?\n\n%s",
         p->amount, asset, sender, tagword, p->txid, sig);
    AGENT("pending",
          "Hi %s,\n\n%s deposits without a %s land on a shared address, so we have to match "
          "them to your account by hand. Please reply with:\n- the sending address,\n- the "
          "exact amount and the time you sent it,\n- a screenshot of the withdrawal record "
          "on the sending side (you can attach it here).\n\nWe never need private keys or "
          "recovery phrases for this; anyone asking for them is not us.\n\n— %s",
          c->first, asset, tagword, AG(1));
    int hh = (int)demo__range(r, 0, 23), mm = (int)demo__range(r, 0, 59);
    CUST("Sending address: %s\nAmount: %s %s, sent around %02d:%02d UTC. The withdrawal "
         "record says completed.",
         from, p->amount, asset, hh, mm);
    NOTE("Matched on the ledger: untagged payment to the shared %s address, amount and sender "
         "match the customer's reply. Submitted manual credit request.",
         asset);
    AGENT("solved",
          "The deposit is now credited to your account. Next time please include your %s: "
          "%s. Without it our system cannot tell whose deposit it is.\n\n— %s",
          tagword, tag, AG(1));
    STATUS("closed");
    FOLLOWUP("Sorry, I did it again with a smaller amount today - sent without the %s. Same "
             "sending address as before.",
             tagword);
}

SC(deposit_unconfirmed)
{
    if (demo__chance(r, 55)) {
        set_chain(p, r, &chains[0]);
        demo__txid(r, "bitcoin", p->txid, sizeof(p->txid));
        int hours = (int)demo__range(r, 4, 40);
        int satvb = (int)demo__range(r, 1, 4);
        TAG("deposit");
        TAG("bitcoin");
        SUBJ("BTC deposit stuck at 0 confirmations (%d h)", hours);
        OPEN("My BTC deposit of %s has been showing 0/2 confirmations for %d hours. TXID %s. "
             "Why is it so slow?",
             p->amount, hours, p->txid);
        AGENT("pending",
              "Hi %s,\n\nThe transaction was sent with a fee of %d sat/vB, while blocks are "
              "currently taking transactions paying around %d sat/vB or more, so miners are "
              "leaving it in the mempool. We credit it as soon as it has 2 confirmations.\n\n"
              "The sending wallet can speed it up (\"bump fee\" / replace-by-fee); we can't do "
              "that from our side. Otherwise it will confirm once the mempool clears.\n\n— %s",
              c->first, satvb, (int)demo__range(r, 12, 45), AG(1));
        CUST("%s", ONE("I bumped the fee in Sparrow and it confirmed within the hour. It's in "
                       "my balance now, thanks!",
                       "It finally confirmed overnight and the BTC is in my account. Thanks "
                       "for explaining."));
        AGENT("solved", "Great, thanks for letting us know.\n\n— %s", AG(1));
        STATUS("closed");
        return;
    }
    snprintf(p->asset, sizeof(p->asset), "ETH");
    snprintf(p->network, sizeof(p->network), "ethereum");
    demo__amount(r, p->amount, sizeof(p->amount), 100, 15000, 3);
    demo__txid(r, "ethereum", p->txid, sizeof(p->txid));
    const char *src = ONE("a Safe multisig wallet",
                          "a DeFi lending protocol (I withdrew "
                          "directly to you)",
                          "a smart-contract wallet");
    TAG("deposit");
    TAG("contract-deposit");
    SUBJ("ETH deposit from %s not credited",
         strncmp(src, "a Safe", 6) == 0 ? "multisig" : "smart contract");
    OPEN("I sent %s ETH from %s to my deposit address. Etherscan shows it as successful (%s) "
         "but it's been %d hours and nothing is credited.",
         p->amount, src, p->txid, (int)demo__range(r, 3, 48));
    AGENT(NULL,
          "Hi %s,\n\nThanks for the details. This transfer was made by a smart contract (it "
          "shows on Etherscan as an internal transaction), and our deposit system only "
          "detects plain transfers automatically. It can be credited manually; I've passed it "
          "to our deposits specialists.\n\n— %s",
          c->first, AG(1));
    ESCALATE(2, "Internal-tx deposit, verified the trace on Etherscan: value lands on the "
                "uid's deposit address. Needs manual sweep + credit.");
    AGENT("on_hold",
          "Hi %s, I'm handling your deposit now. The manual credit needs the funds to be swept "
          "from your deposit address first, which our wallet team does once a day. I'll "
          "confirm here when it's done.\n\n— %s",
          c->first, AG(2));
    AGENT("solved",
          "Your %s ETH is now credited. For future deposits, withdrawing from the contract to "
          "a normal wallet first and sending from there avoids the delay.\n\n— %s",
          p->amount, AG(2));
    STATUS("closed");
}

SC(withdrawal_fee_question)
{
    p->priority = "low";
    TAG("fees");
    TAG("withdrawal");
    switch (demo__pick(r, 3)) {
    case 0:
        snprintf(p->asset, sizeof(p->asset), "USDT");
        SUBJ("Why is the USDT withdrawal fee different per network?");
        OPEN("When I withdraw USDT the fee is 1 USDT on TRC20 but %s USDT on ERC20. It's the "
             "same coin, why the difference?",
             ONE("4.5", "5", "3.8", "6.2"));
        AGENT("solved",
              "Hi %s,\n\nGood question. The fee covers what we pay the network to send your "
              "transaction, and that differs a lot between blockchains: a token transfer on "
              "Ethereum costs far more in gas than one on Tron. We adjust the fees a few times "
              "a day to follow gas prices.\n\nIf the receiving side supports it, TRC20 or "
              "another low-cost network is the cheaper choice. Just make sure the receiver "
              "uses the same network.\n\n— %s",
              c->first, AG(1));
        break;
    case 1:
        snprintf(p->asset, sizeof(p->asset), "BTC");
        snprintf(p->network, sizeof(p->network), "bitcoin");
        SUBJ("BTC withdrawal fee is higher than the network fee");
        OPEN("You charge 0.0002 BTC to withdraw, but mempool.space says a transaction costs "
             "about %d sat/vB right now, which is much less. Where does the rest go?",
             (int)demo__range(r, 3, 15));
        AGENT("solved",
              "Hi %s,\n\nOur withdrawal fee is fixed for a period rather than recalculated for "
              "every transaction, so that you know the cost before you confirm. It's set to "
              "cover fees during busy periods as well as quiet ones, and the cost of "
              "consolidating the many small deposits in our wallets. When fees stay low for a "
              "while we lower it; the current value is always shown on the withdrawal page "
              "before you confirm.\n\n— %s",
              c->first, AG(1));
        CUST("OK, thanks for the honest answer.");
        break;
    default:
        snprintf(p->asset, sizeof(p->asset), "SOL");
        snprintf(p->network, sizeof(p->network), "solana");
        SUBJ("Minimum withdrawal amount for SOL?");
        OPEN("I want to withdraw %s SOL but the button is greyed out and says \"below "
             "minimum\". What is the minimum and why is there one?",
             ONE("0.05", "0.08", "0.1"));
        AGENT("solved",
              "Hi %s,\n\nThe minimum SOL withdrawal is currently 0.2 SOL. Minimums keep the "
              "fee from taking up most of a small withdrawal, and for some destinations a new "
              "Solana account needs a minimum balance (rent) anyway. You can convert small "
              "balances with the \"Convert small balances\" option under Assets.\n\n— %s",
              c->first, AG(1));
        break;
    }
    STATUS("closed");
}

SC(fiat_deposit_missing)
{
    static const char *const banks[] = {"SEPA transfer", "SEPA Instant transfer", "bank transfer",
                                        "SEPA payment"};
    snprintf(p->asset, sizeof(p->asset), "EUR");
    demo__amount(r, p->amount, sizeof(p->amount), 5000, 1500000, 2);
    char ref[12];
    snprintf(ref, sizeof(ref), "FD");
    demo__digits(r, ref + 2, 8);
    const char *how = banks[demo__pick(r, 4)];
    int days = (int)demo__range(r, 2, 5);
    TAG("deposit");
    TAG("fiat");
    TAG("sepa");
    SUBJ("EUR %s not credited after %d days", how, days);
    OPEN("Dear support,\n\nI sent EUR %s by %s %d working days ago. The money has left my "
         "bank account but my EUR balance is still zero.\n\n%s\n\nPlease look into it.\n\n%s",
         p->amount, how, days,
         ONE("I think I forgot to add the reference code.",
             "I added the reference, but my bank may have cut it off because the field was short.",
             "I did everything as shown on the deposit page."),
         c->name);
    AGENT("pending",
          "Hello %s,\n\nThanks for writing in. To find the payment, please reply with a bank "
          "statement or the payment confirmation (PDF is best) showing the date, amount, your "
          "IBAN and the reference text. You can black out other transactions.\n\nFor future "
          "deposits, your personal reference is %s; it must appear in the reference field "
          "exactly like that.\n\n— %s",
          c->first, ref, AG(1));
    CUST("Attached the confirmation from my bank. The reference on it says \"%s\".",
         ONE("crypto deposit", "FD deposit", "top up", "(empty)"));
    NOTE("Found it in the unmatched payments queue: sender %s, amount EUR %s, reference not "
         "usable. Sender name matches the verified name. Requested manual allocation from "
         "payments ops.",
         c->name, p->amount);
    AGENT("on_hold",
          "Thanks, %s, we found your payment. It arrived without a usable reference, so our "
          "payments team has to allocate it by hand; that usually happens within one working "
          "day. I'll confirm here once it's in your balance.\n\n— %s",
          c->first, AG(1));
    AGENT("solved",
          "Your EUR %s has been credited. The payment reached us without your reference code, "
          "so it was waiting in our unmatched payments. Including %s next time means it's "
          "credited automatically.\n\n— %s",
          p->amount, ref, AG(1));
    STATUS("closed");
}

SC(withdrawal_wrong_address)
{
    const struct chain *ch = pick_chain(r);
    set_chain(p, r, ch);
    demo__txid(r, ch->network, p->txid, sizeof(p->txid));
    TAG("withdrawal");
    TAG("irreversible");
    p->priority = "urgent";
    SUBJ("%s", ONE("URGENT: sent to the wrong address, please cancel",
                   "Please reverse my withdrawal, wrong address",
                   "Withdrawal sent to old address by mistake"));
    OPEN("I just withdrew %s %s and realised I pasted %s. TXID %s. Can you cancel or reverse "
         "it? Please hurry!",
         p->amount, ch->asset,
         ONE("an old address from my clipboard history",
             "the address of a wallet I no longer "
             "have the keys to",
             "my friend's address instead of mine", "an address from an old chat message"),
         p->txid);
    AGENT("pending",
          "Hi %s,\n\nI'm sorry, this is a stressful situation. Once a withdrawal is broadcast "
          "on the blockchain, nobody can cancel or reverse it, including us: the %s network "
          "has no way to do that.\n\nWhat can still help:\n- If the address belongs to "
          "someone you know, ask them to send it back.\n- If it is a deposit address at "
          "another platform, contact their support with the TXID; they may be able to "
          "return it.\n\nDo you know whose address it is?\n\n— %s",
          c->first, ch->label, AG(1));
    CUST("%s", ONE("It was my friend's, he's sending it back. Lesson learned.",
                   "It's an old deposit address at another exchange. I've opened a ticket with "
                   "them.",
                   "No idea. I guess it's gone then."));
    AGENT("solved",
          "Thanks for letting us know. For next time: the address book under Withdraw lets you "
          "save verified addresses and turn on whitelist-only withdrawals, which makes this "
          "kind of mistake much harder.\n\n— %s",
          AG(1));
    STATUS("closed");
}

/* ---- account & security --------------------------------------------------------- */

SC(account_locked)
{
    int attempts = (int)demo__range(r, 5, 14);
    char ip1[24], ip2[24];
    doc_ip(r, ip1, sizeof(ip1));
    doc_ip(r, ip2, sizeof(ip2));
    int own = demo__chance(r, 40);
    TAG("locked");
    TAG("login");
    p->triage = own ? NULL : "high";
    switch (demo__pick(r, 3)) {
    case 0:
        SUBJ("Account locked - too many login attempts");
        OPEN("Hi, I can't log in. It says my account is temporarily locked because of too "
             "many failed attempts. I'm sure I'm typing the right password. What do I do?");
        break;
    case 1:
        SUBJ("Locked out of my account");
        OPEN("Hello,\n\nThis morning I got an email saying my account was locked after failed "
             "sign-in attempts. I didn't try to sign in at all today. Is someone trying to get "
             "into my account? My UID is %s.\n\nRegards,\n%s",
             c->uid, c->name);
        break;
    default:
        SUBJ("cannot login, \"account locked\"");
        OPEN("I changed phones and my password manager didn't sync so I tried a few old "
             "passwords. Now the account is locked. Please unlock it, I have open orders.");
        break;
    }
    AGENT("pending",
          "Hi %s,\n\nFor your protection the account was locked after %d failed sign-in "
          "attempts in a short time, from %s and %s. To unlock it we need to confirm it's "
          "really you: please complete the identity check from the link we've just emailed "
          "you (a photo of your ID and a short selfie video), then reply here.\n\nWe will "
          "never ask for your password or 2FA codes.\n\n— %s",
          c->first, attempts, ip1, ip2, AG(1));
    if (own) {
        CUST("Done. Those attempts were me, the first IP is probably my home connection.");
        NOTE("Failed attempts from two IPs, one used for successful logins for months. "
             "Consistent with the customer's story. Liveness check passed; unlocking.");
        AGENT("solved",
              "Thanks, %s. Your account is unlocked and you can sign in again. If you're "
              "unsure of the password, use \"Forgot password\" rather than guessing; the lock "
              "kicks in after a few misses.\n\n— %s",
              c->first, AG(1));
    } else {
        CUST("Uploaded. I don't recognise %s at all, I was asleep at that time.", ip2);
        NOTE("Failed attempts from %s and %s (both hosting providers), none match the "
             "customer's devices. The email address is in a public breach list: credential "
             "stuffing. Liveness passed. Unlocking with forced password reset.",
             ip1, ip2);
        AGENT("solved",
              "Your account is unlocked. Because the attempts did not come from your devices, "
              "you'll be asked to set a new password at your next sign-in; please choose one "
              "you don't use anywhere else and turn on 2FA with an authenticator app if you "
              "haven't yet. Withdrawals stay paused for 24 hours after a password change.\n\n"
              "— %s",
              AG(1));
    }
    STATUS("closed");
}

SC(twofa_reset)
{
    TAG("2fa");
    int kind = demo__pick(r, 3);
    if (kind == 0) {
        SUBJ("2FA codes always rejected");
        OPEN("Every code from my authenticator app is rejected with \"invalid verification "
             "code\". I type it quickly, before it changes. I've tried maybe 10 times.");
        AGENT("pending",
              "Hi %s,\n\nWhen every code is rejected, the usual cause is the phone's clock: "
              "authenticator codes depend on the exact time, and a clock that is off by a "
              "minute or more produces wrong codes. Please turn on automatic date and time in "
              "your phone settings (and, in Google Authenticator, use \"Time correction for "
              "codes\"), then try again.\n\n— %s",
              c->first, AG(1));
        CUST("%s", ONE("That was it! The phone clock was 3 minutes behind after I came back "
                       "from a trip. Works now.",
                       "Wow, thanks. Automatic time was off. Logged in fine now."));
        AGENT("solved", "Great to hear. Have a good day, %s!\n\n— %s", c->first, AG(1));
        STATUS("closed");
        return;
    }
    if (kind == 1) {
        SUBJ("%s", ONE("Lost phone, need to reset 2FA", "New phone - no authenticator codes",
                       "Can't log in: authenticator app deleted"));
        OPEN("Hello, %s Now I can't sign in because it asks for the 2FA code. How do I reset "
             "it? UID %s.",
             ONE("I got a new phone and didn't move my authenticator app over.",
                 "my phone was stolen last weekend.",
                 "I reinstalled my authenticator app and all the accounts in it are gone."),
             c->uid);
    } else {
        SUBJ("2FA reset request rejected");
        OPEN("I submitted the 2FA reset from the login page (lost phone) but got an email "
             "that it was rejected, with no reason. I have %s in my account and can't get to "
             "it.",
             ONE("most of my savings", "a large open position", "funds I need this week"));
        p->priority = "high";
    }
    AGENT("pending",
          "Hi %s,\n\nFor security, 2FA can only be reset after we verify your identity; "
          "support agents can't switch it off by request. Please start (or restart) the reset "
          "from the sign-in page: choose \"Lost access to authenticator?\" and follow the "
          "steps. You'll need your ID and a selfie video in good light.\n\n— %s",
          c->first, AG(1));
    CUST("%s", ONE("I did it twice and it says rejected again. I wear glasses, maybe that's "
                   "the problem?",
                   "Submitted again. It says 'verification failed'. I followed every step.",
                   "Rejected again. My ID card is the new version, maybe that's it?"));
    const char *cause = ONE("glasses and low light", "blurred frames", "ID photo is 9 years old");
    const char *age = ONE("4 years", "2 years", "18 months", "3 years");
    ESCALATE(2,
             "Automated 2FA reset rejected twice: low face-match score (%s). Account is %s "
             "old, no recent security changes, login IP country unchanged. Please review "
             "manually.",
             cause, age);
    AGENT("on_hold",
          "Hi %s,\n\nI'm %s from the account security team and I've taken over your request. "
          "I'm reviewing the verification by hand; this usually takes one to two working days. "
          "There's nothing you need to do right now.\n\n— %s",
          c->first, AG(2), AG(2));
    AGENT("solved",
          "Your identity is confirmed and the old authenticator has been removed. At your next "
          "sign-in you'll be asked to set up a new one. Please save the backup key somewhere "
          "safe this time. As a precaution, withdrawals are paused for 24 hours after a 2FA "
          "reset.\n\n— %s",
          AG(2));
    STATUS("closed");
}

SC(suspicious_login)
{
    static const char *const places[] = {"Jakarta, Indonesia",     "Frankfurt, Germany",
                                         "São Paulo, Brazil",      "Lagos, Nigeria",
                                         "Bucharest, Romania",     "Ho Chi Minh City, Vietnam",
                                         "Amsterdam, Netherlands", "Toronto, Canada"};
    const char *where = places[demo__pick(r, 8)];
    char ip[24];
    doc_ip(r, ip, sizeof(ip));
    const char *browser = ONE("Chrome on Windows", "Firefox on Linux", "Safari on macOS",
                              "Chrome on Android", "Edge on Windows");
    TAG("security");
    TAG("suspicious-login");
    p->priority = "high";
    p->triage = "urgent";
    SUBJ("%s", ONE("New login alert - that wasn't me!", "Someone logged into my account",
                   "Suspicious login from another country"));
    OPEN("I just got an email: \"New sign-in from %s, %s (IP %s)\". That was NOT me. I'm in "
         "%s. Please freeze my account right now!",
         browser, where, ip,
         ONE("Manchester", "Lyon", "Osaka", "Austin", "Porto", "Kraków", "Nairobi", "Pune"));
    AGENT("pending",
          "Hi %s,\n\nWe've disabled your account as a precaution: nobody can sign in, trade or "
          "withdraw until we've sorted this out, and no funds have left.\n\nPlease do the "
          "following now:\n1. Change the password of your email account.\n2. Reply here to "
          "tell us whether you use a VPN or signed in on any new device recently.\n\n— %s",
          c->first, AG(1));
    if (demo__chance(r, 40)) {
        CUST("Oh no. I'm so sorry, I had my VPN on, and its exit server is in %s. That was "
             "me after all.",
             where);
        NOTE("Customer confirms VPN. Device fingerprint on the alert matches the customer's "
             "laptop seen for 8 months. Re-enabling.");
        AGENT("solved",
              "No problem at all, better safe than sorry. The device matches one you've used "
              "for months, so I've re-enabled your account. You can add the VPN's locations "
              "to trusted locations under Security to avoid alerts like this.\n\n— %s",
              AG(1));
        STATUS("closed");
        return;
    }
    CUST("No VPN, no new device. I changed my email password. I also see an API key in my "
         "account that I didn't create!");
    ESCALATE(3,
             "API key created 40 min after the login from %s, with trading permission. "
             "Several market buys on a thin pair followed by sells at a loss: looks like "
             "the account was used to pump a low-liquidity token. Security investigation.",
             ip);
    AGENT("on_hold",
          "Hi %s,\n\nI'm %s from our security team. We've deleted the API key, ended all "
          "sessions and kept the account frozen. We're investigating the trades that were "
          "made with that key; I'll update you here, and you don't need to do anything else "
          "meanwhile. Please don't reuse the old password anywhere.\n\n— %s",
          c->first, AG(3), AG(3));
    AGENT("solved",
          "Our investigation is finished. The trades were placed through the unauthorised API "
          "key, and we've restored your balances to what they were before the login from %s. "
          "Your account is active again; you'll be asked to set a new password and 2FA at "
          "sign-in.\n\n— %s",
          where, AG(3));
    STATUS("closed");
    FOLLOWUP("Thank you again. One more question: can I restrict logins to my own country? I'd "
             "feel safer.");
}

SC(phishing_check)
{
    const char *via = ONE("on Telegram", "on WhatsApp", "by phone", "in a direct message on X",
                          "by SMS with a link");
    TAG("phishing");
    TAG("security");
    SUBJ("%s", ONE("Is this really your support?", "Someone from \"support\" contacted me",
                   "Scam? Message claiming to be from your team"));
    OPEN("Hi. Someone contacted me %s saying they are from your support team. They said my "
         "account is \"flagged\" and that I must %s to keep my funds safe. Is this real?",
         via,
         ONE("move everything to a \"safe wallet\" they gave me", "confirm my recovery phrase",
             "install AnyDesk so they can help me", "read them the code I'll receive by SMS"));
    AGENT("pending",
          "Hi %s,\n\nThank you for checking with us first. This is NOT us. We never contact "
          "customers first %s, never ask for passwords, 2FA codes or recovery phrases, never "
          "ask for remote access to your device, and never ask you to move funds to a "
          "\"safe\" wallet.\n\nYou can check any link, email or account on our \"Verify "
          "official contact\" page, and set an anti-phishing code under Security so every "
          "genuine email from us shows it.\n\nDid you share anything with them or click their "
          "link?\n\n— %s",
          c->first, via, AG(1));
    if (demo__chance(r, 70)) {
        CUST("No, nothing. I blocked them. Thanks for the quick answer.");
        AGENT("solved",
              "Perfect, you did exactly the right thing. If you can, report the account on "
              "the platform too, so it gets taken down.\n\n— %s",
              AG(1));
        STATUS("closed");
        return;
    }
    CUST("I'm afraid I %s before I got suspicious. What now?",
         ONE("clicked the link and entered my email and password",
             "gave them a code that came by SMS", "let them connect to my computer for a minute"));
    ESCALATE(2, "Customer interacted with a fake-support scammer. No new sessions or "
                "withdrawals yet. Froze the account, forcing password + 2FA reset. Tier 2 to "
                "follow up with the customer.");
    AGENT("solved",
          "Hi %s,\n\nWe've frozen your account before anything happened: there were no new "
          "sign-ins or withdrawals. To get back in, reset your password and 2FA from the "
          "sign-in page; if they had access to your computer, please run a malware scan first. "
          "Your funds are safe.\n\n— %s",
          c->first, AG(2));
    STATUS("closed");
}

SC(email_change)
{
    const char *why =
        ONE("It was my work email and I've left the company.",
            "It was my university address, which has been deactivated.",
            "The old mailbox was hacked and I closed it.", "My old email provider shut down.");
    TAG("email-change");
    SUBJ("Change the email on my account");
    OPEN("Hello,\n\nI can no longer receive mail at the address registered on my account. %s "
         "Please change it to my new address. I can still sign in with my password and 2FA.",
         why);
    AGENT("pending",
          "Hi %s,\n\nWe can't change the email from a ticket, to protect you from anyone "
          "pretending to be you. Since you can still sign in, go to Security > Email and choose "
          "\"I can't access my current email\": you'll be asked for your 2FA code, a photo of "
          "your ID and a selfie. Reply here once it's submitted and I'll make sure it gets "
          "reviewed quickly.\n\n— %s",
          c->first, AG(1));
    CUST("Submitted just now.");
    NOTE("Email change request reviewed: ID and selfie match the verified profile, request "
         "came from a known device. Approved. 48h withdrawal lock applied automatically.");
    AGENT("solved",
          "The new email address is now active on your account. For your security, "
          "withdrawals are locked for 48 hours after an email change.\n\n— %s",
          AG(1));
    STATUS("closed");
}

SC(withdrawal_lock)
{
    const char *what = ONE("changed my password", "reset my 2FA", "changed my phone number",
                           "added a new withdrawal address");
    p->priority = demo__chance(r, 50) ? "low" : "normal";
    TAG("withdrawal");
    TAG("security-lock");
    SUBJ("Withdrawals disabled for 24 hours?");
    OPEN("I %s yesterday and now I can't withdraw, it says \"Withdrawals are temporarily "
         "disabled for your security\". Can you remove this? I didn't do anything wrong.",
         what);
    AGENT("solved",
          "Hi %s,\n\nThe pause is automatic after security changes like the one you made: if "
          "someone ever took over an account, the first thing they'd do is change these "
          "settings and withdraw at once. The pause gives the real owner time to notice. It "
          "can't be lifted early, not even by our team, but trading and deposits work as "
          "usual, and withdrawals unlock by themselves when the 24 hours are over.\n\n— %s",
          c->first, AG(1));
    if (demo__chance(r, 50))
        CUST("Annoying but I understand. Thanks.");
    STATUS("closed");
}

SC(account_closure)
{
    p->priority = "low";
    TAG("closure");
    TAG("gdpr");
    SUBJ("%s",
         ONE("Please close my account", "Delete my account and data", "Account closure request"));
    OPEN("I'd like to close my account and have my personal data deleted. %s",
         ONE("I'm not trading any more.", "I've moved to another platform.",
             "Too many emails, honestly.", "I have a second account I want to keep instead."));
    AGENT("pending",
          "Hi %s,\n\nSorry to see you go. Two things first:\n- Your account still holds a "
          "small balance; please withdraw or convert it, as closed accounts can't be "
          "accessed.\n- As a regulated exchange we're required by anti-money-laundering law to "
          "keep identity and transaction records for several years after closure. Everything "
          "else (marketing preferences, device data) is deleted.\n\nOnce the balance is zero, "
          "reply here and I'll close the account.\n\n— %s",
          c->first, AG(1));
    CUST("Withdrew everything. Go ahead.");
    AGENT("solved",
          "Done: your account is closed and you'll get a confirmation email shortly. Thanks "
          "for having been with us.\n\n— %s",
          AG(1));
    STATUS("closed");
}

/* ---- trading -------------------------------------------------------------------- */

struct market {
    const char *symbol, *base;
    double lo, hi;
    int decimals;
};

static const struct market markets[] = {
    {"BTCUSDT", "BTC", 58000, 71000, 1}, {"ETHUSDT", "ETH", 2900, 3900, 2},
    {"SOLUSDT", "SOL", 125, 195, 3},     {"XRPUSDT", "XRP", 0.47, 0.66, 4},
    {"DOGEUSDT", "DOGE", 0.11, 0.17, 5}, {"LINKUSDT", "LINK", 13, 19, 3},
};

static const struct market *pick_market(struct demo__rng *r)
{
    static const int w[] = {40, 25, 15, 8, 6, 6};
    int x = demo__pick(r, 100);
    for (int i = 0; i < 6; i++) {
        if (x < w[i])
            return &markets[i];
        x -= w[i];
    }
    return &markets[0];
}

static double price_in(struct demo__rng *r, const struct market *m)
{
    return m->lo + (m->hi - m->lo) * (double)demo__pick(r, 10000) / 10000.0;
}

static void fmt_price(char *out, size_t n, const struct market *m, double v)
{
    snprintf(out, n, "%.*f", m->decimals, v);
}

SC(liquidation_dispute)
{
    const struct market *m = pick_market(r);
    static const int levs[] = {10, 20, 25, 50, 75, 100, 15, 30};
    int lev = levs[demo__pick(r, 8)];
    int is_long = demo__chance(r, 65);
    double entry = price_in(r, m);
    double liq = is_long ? entry * (1.0 - 1.0 / lev + 0.004) : entry * (1.0 + 1.0 / lev - 0.004);
    double last = is_long ? liq * 1.0035 : liq * 0.9965;
    char e[32], l[32], lp[32], loss[32];
    fmt_price(e, sizeof(e), m, entry);
    fmt_price(l, sizeof(l), m, liq);
    fmt_price(lp, sizeof(lp), m, last);
    demo__amount(r, loss, sizeof(loss), 12000, 2400000, 2);
    demo__digits(r, p->order_id, 12);
    snprintf(p->asset, sizeof(p->asset), "USDT");
    snprintf(p->amount, sizeof(p->amount), "%s", loss);
    TAG("futures");
    TAG("liquidation");
    p->priority = "high";
    SUBJ("%s",
         ONE("Unfair liquidation on my futures position", "Liquidated but price never got there",
             "Wrongful liquidation - refund request"));
    OPEN("My %s %s position (%dx, entry %s) was liquidated at %s, but the %s price on the "
         "chart was %s. Position ID %s. I lost %s USDT.\n\nThis looks like a stop hunt. I "
         "want a full explanation and my money back.",
         m->symbol, is_long ? "long" : "short", lev, e, l, is_long ? "lowest" : "highest", lp,
         p->order_id, loss);
    AGENT(NULL,
          "Hi %s,\n\nI understand how upsetting this is. One thing that often explains it: "
          "liquidations are triggered by the mark price (derived from the index of several "
          "spot markets), not by the last traded price on the chart, so the two can differ "
          "for a moment in fast markets.\n\nI've asked our derivatives team to check the exact "
          "mark price and your margin at the moment of liquidation. I'll come back to you "
          "with their findings.\n\n— %s",
          c->first, AG(1));
    ESCALATE(2,
             "Please check mark/index vs last at liquidation for position %s (%s, %dx). "
             "Customer says last price never reached the liquidation price.",
             p->order_id, m->symbol, lev);
    if (demo__chance(r, 70)) {
        NOTE("Checked: mark price crossed %s for ~2 s during the move; margin ratio reached "
             "100%%. Index components all consistent, no incident. Liquidation correct.",
             l);
        AGENT("solved",
              "Hi %s,\n\nI'm %s from the derivatives team. I've gone through the data for "
              "position %s:\n- liquidation price: %s\n- the mark price crossed it during the "
              "move, while the last traded price on our book stopped at %s\n- all index "
              "sources were consistent, so there was no abnormal price.\n\nThe liquidation "
              "followed the rules, so we can't refund it, I'm afraid. At %dx, a move of about "
              "%.1f%% is enough to liquidate; a lower leverage or a stop-loss on the mark price "
              "protects you better.\n\n— %s",
              c->first, AG(2), p->order_id, l, lp, lev, 100.0 / lev, AG(2));
        CUST("Fine. I don't like it but I understand the explanation. Thanks for checking "
             "properly.");
        STATUS("closed");
        return;
    }
    ESCALATE(3, "One index source printed an outlier for ~4 s (matches the incident raised by "
                "market ops that hour); mark deviated ~0.6%%. Without it the position would "
                "not have been liquidated. Proposing compensation under the incident policy.");
    AGENT("on_hold",
          "Hi %s,\n\nWe found that one of the price sources for the %s index was abnormal for a "
          "few seconds around your liquidation. We're calculating the affected positions and "
          "compensation now; I'll confirm the outcome here.\n\n— %s",
          c->first, m->symbol, AG(3));
    AGENT("solved",
          "The review is complete. Your liquidation was caused by the faulty price source, so "
          "we've credited %s USDT (your realised loss plus the liquidation fee) to your futures "
          "wallet. We apologise for the trouble.\n\n— %s",
          loss, AG(3));
    STATUS("closed");
}

SC(stoploss_slippage)
{
    const struct market *m = pick_market(r);
    double trig = price_in(r, m);
    double slip = 0.003 + (double)demo__pick(r, 120) / 10000.0;
    double fill = trig * (1.0 - slip);
    char t[32], f[32];
    fmt_price(t, sizeof(t), m, trig);
    fmt_price(f, sizeof(f), m, fill);
    demo__digits(r, p->order_id, 11);
    snprintf(p->asset, sizeof(p->asset), "%s", m->base);
    demo__amount(r, p->amount, sizeof(p->amount), 5, 900, 2);
    TAG("stop-loss");
    TAG("slippage");
    SUBJ("Stop-loss on %s filled far below my trigger", m->symbol);
    OPEN("I had a stop-loss on %s at %s. It triggered but the order filled at %s on average, "
         "%.2f%% lower. Order %s. Why did your system execute at such a bad price? I expect "
         "the difference back.",
         m->symbol, t, f, slip * 100.0, p->order_id);
    AGENT("pending",
          "Hi %s,\n\nThanks for the order number. Your stop was a stop-market order: when the "
          "trigger price is reached, it becomes a market order and fills against whatever "
          "buy orders are on the book at that moment. In a sharp drop, the book can thin out "
          "quickly, so the average price ends up below the trigger.\n\nA stop-limit order "
          "avoids that (it never fills below your limit), with the risk that it doesn't fill "
          "at all if the price gaps through.\n\nDoes that answer your question?\n\n— %s",
          c->first, AG(1));
    if (demo__chance(r, 50))
        CUST("No. %.2f%% is not normal slippage on a pair like this. I want someone to check "
             "the order book.",
             slip * 100.0);
    else
        CUST("I know what a stop-market is. %.2f%% is way too much, please have it reviewed.",
             slip * 100.0);
    ESCALATE(2,
             "Customer disputes slippage on %s. Please pull the book snapshot at trigger "
             "time and confirm the fills.",
             p->order_id);
    AGENT("solved",
          "Hi %s,\n\nI'm %s from the trading team. I've replayed the order book at the moment "
          "your stop triggered: the price was falling fast and the bids near %s were taken by "
          "other sellers within the same second, so your order filled across several levels "
          "down to %s. Every fill was against real orders at the best available prices; "
          "nothing unusual happened on our side, so there's no difference to refund.\n\nFor "
          "volatile moments, a stop-limit with a small buffer below the trigger gives you "
          "control over the worst price.\n\n— %s",
          c->first, AG(2), t, f, AG(2));
    STATUS("closed");
}

SC(limit_not_filled)
{
    const struct market *m = pick_market(r);
    double lim = price_in(r, m);
    char l[32];
    fmt_price(l, sizeof(l), m, lim);
    demo__digits(r, p->order_id, 10);
    snprintf(p->asset, sizeof(p->asset), "%s", m->base);
    int buy = demo__chance(r, 60);
    TAG("spot");
    TAG("order");
    SUBJ("Limit %s order not filled although price reached it", buy ? "buy" : "sell");
    OPEN("I placed a limit %s for %s at %s (order %s). The chart shows the price touched %s, "
         "but my order is still open. %s",
         buy ? "buy" : "sell", m->base, l, p->order_id, l,
         ONE("Is something broken?", "Why?", "I missed a good entry because of this.",
             "Please explain."));
    AGENT("solved",
          "Hi %s,\n\nI checked order %s: it's valid and waiting in the book. The chart shows "
          "that trades happened at %s, but orders at the same price are filled in the order "
          "they arrived (price-time priority). When the price touched your level, there "
          "was more volume queued ahead of yours than traded at that price, so yours wasn't "
          "reached.\n\nTo be filled for sure, the price has to trade %s your limit, or you can "
          "set the limit a tick more generously.\n\n— %s",
          c->first, p->order_id, l, buy ? "below" : "above", AG(1));
    CUST("%s", ONE("Makes sense, didn't know about the queue. Thanks.",
                   "OK. Slightly annoying but fair."));
    STATUS("closed");
}

SC(trading_fee_question)
{
    p->priority = "low";
    TAG("fees");
    demo__digits(r, p->order_id, 10);
    if (demo__chance(r, 50)) {
        SUBJ("Charged taker fee on my limit order");
        OPEN("I placed a limit order (%s) but was charged the taker fee of 0.10%% instead of "
             "the maker fee. Limit orders are maker orders, no?",
             p->order_id);
        AGENT(NULL,
              "Hi %s,\n\nNot always: what matters is whether your order adds liquidity or "
              "takes it. Your limit price was %s the best %s price when you placed it, so it "
              "matched existing orders straight away and was charged as a taker. Only the part "
              "of an order that rests on the book pays the maker fee.\n\nIf you want to be "
              "sure to pay maker fees, tick \"Post only\": the order is then cancelled instead "
              "of filling immediately.\n\n— %s",
              c->first, ONE("above", "at or through"), "ask", AG(1));
    } else {
        SUBJ("VIP fee level not applied");
        OPEN("My 30-day volume is over the threshold for the next fee level, but my fees "
             "haven't changed. Can you check?");
        AGENT(NULL,
              "Hi %s,\n\nFee levels are recalculated once a day at 00:00 UTC from the "
              "previous 30 days of volume, and your volume crossed the threshold after "
              "today's recalculation. The new level will apply from tomorrow; fees already "
              "paid aren't recalculated.\n\n— %s",
              c->first, AG(1));
    }
    CUST("%s",
         ONE("Got it, thanks!", "Thanks for the clear answer.", "Ok understood, that's on me."));
    STATUS("solved");
    STATUS("closed");
}

static const char *const fiats[][2] = {
    {"EUR", "SEPA Instant"},  {"BRL", "Pix"},           {"INR", "UPI"},
    {"NGN", "bank transfer"}, {"TRY", "bank transfer"}, {"GBP", "Faster Payments"},
};

SC(p2p_buyer)
{
    int f = demo__pick(r, 6);
    long usdt = demo__range(r, 40, 5000);
    static const double rates[] = {0.93, 5.4, 83.5, 1520.0, 32.6, 0.79};
    char fiat_amount[48];
    snprintf(fiat_amount, sizeof(fiat_amount), "%.2f", (double)usdt * rates[f]);
    snprintf(p->asset, sizeof(p->asset), "USDT");
    snprintf(p->amount, sizeof(p->amount), "%ld", usdt);
    demo__digits(r, p->order_id, 18);
    int mins = (int)demo__range(r, 20, 90);
    TAG("p2p");
    TAG("dispute");
    p->priority = "high";
    p->no_staff_channel = demo__chance(r, 50);
    SUBJ("P2P order %s: paid but seller not releasing", p->order_id);
    OPEN("I paid %s %s by %s for %s USDT (order %s) %d minutes ago and marked the order as "
         "paid. The seller doesn't answer in the chat and hasn't released the USDT. %s",
         fiat_amount, fiats[f][0], fiats[f][1], p->amount, p->order_id, mins,
         ONE("Please help!", "The order timer is running out, what do I do?",
             "I have the receipt from my bank.", "Is this a scam?"));
    AGENT("pending",
          "Hi %s,\n\nWe've opened an appeal on order %s. The USDT stays locked in escrow while "
          "the appeal is open, so the seller can't move it. Please don't cancel the order.\n\n"
          "Upload in the appeal a bank statement or payment receipt (PDF if possible) showing "
          "the amount, the time and the recipient's name and account.\n\n— %s",
          c->first, p->order_id, AG(1));
    CUST("Uploaded the statement from my bank. It shows the transfer as completed to the "
         "seller's account.");
    AGENT("on_hold",
          "Thank you, %s. The seller says they haven't received the payment, so we've asked "
          "them for a statement of their account as well; they have 6 hours to provide it. "
          "The order stays on hold until then and the USDT remains in escrow.\n\n— %s",
          c->first, AG(1));
    ESCALATE(2, "Buyer statement: transfer executed to the account listed on the ad, name and "
                "amount match. Seller claims non-receipt but gave no statement within the "
                "6-hour deadline. Per P2P appeal policy, tier 2 decides.");
    AGENT("solved",
          "Hi %s,\n\nI'm %s from the P2P team. The appeal has been decided in your favour: the "
          "buyer's proof of payment is complete and the seller didn't provide any evidence. "
          "The %s USDT has been released to your funding wallet. The seller's P2P access is "
          "suspended while we review their account.\n\n— %s",
          c->first, AG(2), p->amount, AG(2));
    STATUS("closed");
}

SC(p2p_seller)
{
    int f = demo__pick(r, 6);
    long usdt = demo__range(r, 80, 8000);
    snprintf(p->asset, sizeof(p->asset), "USDT");
    snprintf(p->amount, sizeof(p->amount), "%ld", usdt);
    demo__digits(r, p->order_id, 18);
    static const char *const names[] = {"M. OKONKWO", "J. SILVA PEREIRA", "A. KUMAR",
                                        "T. YILMAZ",  "R. HOLLAND",       "D. FISCHER"};
    const char *payer = names[demo__pick(r, 6)];
    TAG("p2p");
    TAG("dispute");
    p->priority = "high";
    p->no_staff_channel = 1;
    SUBJ("Buyer marked P2P order as paid, nothing received");
    OPEN("A buyer marked order %s (%s USDT) as paid, but nothing has arrived in my %s "
         "account. They keep pressuring me in the chat to release, saying I'll get a bad "
         "review. I'm not releasing until I see the money.",
         p->order_id, p->amount, fiats[f][1]);
    AGENT("pending",
          "Hi %s,\n\nYou're doing the right thing: never release until the money is in your "
          "account and the sender's name matches the buyer's verified name shown in the "
          "order. We've opened an appeal; the USDT stays in escrow.\n\nPlease upload a "
          "statement of your account covering the time since the order was created.\n\n— %s",
          c->first, AG(1));
    CUST("I checked again. There IS a payment for the exact amount now, but it comes from %s, "
         "not from the buyer's name.",
         payer);
    NOTE("Third-party payment: payer name differs from buyer KYC name. Buyer account is 3 days "
         "old with 4 orders, all disputed. Triangle-scam pattern; flagged to fraud and "
         "restricted the buyer.");
    AGENT("solved",
          "Thank you for checking so carefully. A payment from someone other than the buyer "
          "is not allowed on P2P and is a known scam pattern. We've cancelled the order in "
          "your favour and the USDT is back in your wallet.\n\nPlease return the money to the "
          "account it came from through your bank (not to the buyer, and not to any account "
          "the buyer names). The buyer's account has been suspended.\n\n— %s",
          AG(1));
    STATUS("closed");
}

SC(funding_fee)
{
    const struct market *m = pick_market(r);
    p->priority = "low";
    TAG("futures");
    TAG("funding");
    snprintf(p->asset, sizeof(p->asset), "USDT");
    demo__amount(r, p->amount, sizeof(p->amount), 150, 48000, 2);
    SUBJ("What are these funding fee deductions on %s?", m->symbol);
    OPEN("I have a %s position on %s and every 8 hours my balance drops by a small amount "
         "called \"funding fee\". In total %s USDT so far. What is this, and why do I pay it?",
         ONE("long", "short"), m->symbol, p->amount);
    AGENT("solved",
          "Hi %s,\n\nFunding is how perpetual futures stay close to the spot price: every 8 "
          "hours, longs and shorts pay each other based on the funding rate. When the rate is "
          "positive, longs pay shorts; when it's negative, shorts pay longs. The exchange "
          "doesn't keep these payments.\n\nYou'll find the current rate and the countdown to "
          "the next funding above the order form, and every payment under Futures > "
          "Transaction history.\n\n— %s",
          c->first, AG(1));
    STATUS("closed");
}

/* ---- technical ------------------------------------------------------------------ */

static const char *bot_lang(struct demo__rng *r)
{
    return ONE("Python", "Node.js", "Go", "Rust", "Java", "C#");
}

SC(api_ip_whitelist)
{
    char ip[24];
    doc_ip(r, ip, sizeof(ip));
    const char *host =
        ONE("a new VPS", "AWS", "a different cloud region", "Hetzner", "a Raspberry Pi at home");
    TAG("api");
    TAG("ip-whitelist");
    SUBJ("API returns \"IP not in whitelist\" since moving my bot");
    OPEN("Hi,\n\nI moved my trading bot to %s yesterday and since then every private API call "
         "fails with:\n\n{\"code\":40103,\"msg\":\"IP not in whitelist for this API key\"}\n\nI "
         "added the new server IP %s to the key's whitelist, but it still fails. Public "
         "endpoints work fine.",
         host, ip);
    AGENT("pending",
          "Hi %s,\n\nThe request log for your key shows the calls arriving from an IPv6 "
          "address, not from %s: your new server prefers IPv6 when it's available. Either add "
          "the IPv6 address to the whitelist, or force IPv4 in your HTTP client (for example "
          "`curl -4`, or binding to the IPv4 interface).\n\nCould you try that and let us "
          "know?\n\n— %s",
          c->first, ip, AG(1));
    CUST("%s", ONE("Forced IPv4 and it works. I would never have guessed, thank you!",
                   "Added the IPv6 address and everything is green again. Thanks."));
    AGENT("solved", "Great! Happy trading.\n\n— %s", AG(1));
    STATUS("closed");
}

SC(api_signature)
{
    const char *lang = bot_lang(r);
    TAG("api");
    TAG("signature");
    if (demo__chance(r, 55)) {
        SUBJ("API signature mismatch on POST /api/v3/order (%s)", lang);
        OPEN("GET requests to private endpoints work, but every POST to /api/v3/order returns "
             "{\"code\":40101,\"msg\":\"Signature mismatch\"}. I sign with HMAC-SHA256 using my "
             "secret, same function as for GET. Using %s, no SDK.\n\nMy signing string is "
             "timestamp + method + path + body.",
             lang);
        AGENT("pending",
              "Hi %s,\n\nThanks for the detail, that helps. When GET works and POST doesn't, "
              "the cause is almost always that the body you sign is not byte-for-byte the "
              "body you send: for example, the JSON is serialised once for signing and again "
              "(with different spacing or key order) when sending. Serialise the body once "
              "into a string, sign that string, and send that exact string.\n\nCould you try "
              "and let us know?\n\n— %s",
              c->first, AG(1));
        CUST("That was exactly it: my HTTP library re-encoded the JSON with spaces after the "
             "colons. Fixed now.");
        AGENT("solved", "Excellent, thanks for confirming, %s.\n\n— %s", c->first, AG(1));
    } else {
        SUBJ("\"Timestamp outside recvWindow\" errors at random");
        OPEN("About 1 in 5 requests fail with {\"code\":40102,\"msg\":\"Timestamp for this "
             "request is outside of the recvWindow\"}. recvWindow is 5000. Bot written in %s, "
             "running on a home server.",
             lang);
        AGENT("pending",
              "Hi %s,\n\nThat error means the timestamp in the request differs from our "
              "server time by more than recvWindow. Random failures usually point to a server "
              "clock that drifts: please check that NTP is running (`timedatectl` on Linux "
              "should say \"System clock synchronized: yes\"). You can compare with GET "
              "/api/v3/time.\n\n— %s",
              c->first, AG(1));
        CUST("NTP was disabled on that box, the clock was 4 seconds off. Enabled it and no "
             "errors in the last hour.");
        AGENT("solved", "Perfect. Thanks for letting us know!\n\n— %s", AG(1));
    }
    STATUS("closed");
}

SC(api_rate_limit)
{
    const char *lang = bot_lang(r);
    int rps = (int)demo__range(r, 15, 60);
    TAG("api");
    TAG("rate-limit");
    p->triage = "high";
    SUBJ("%s", ONE("Getting HTTP 429 and then 418 from the API", "IP banned by the API?",
                   "Rate limit too low for my bot"));
    OPEN("My %s bot polls order book and balances about %d times per second across several "
         "pairs. Since this morning I get HTTP 429 and then 418 for a few minutes. Is my IP "
         "banned? Can you raise my limit?",
         lang, rps);
    AGENT(NULL,
          "Hi %s,\n\nA 429 means you went over the request-weight limit of 1,200 per minute "
          "per IP; if requests continue after that, the IP is blocked for a while (the 418). "
          "The Retry-After header says how long.\n\nPolling the order book over REST is "
          "expensive: the depth endpoint has a weight of 5 to 50 depending on the limit. "
          "Subscribing to the depth and account streams over WebSocket gives you the same "
          "data in real time without using any request weight.\n\nI've asked our API team "
          "about a higher limit.\n\n— %s",
          c->first, AG(1));
    ESCALATE(2,
             "Customer asks for a higher REST limit; %d req/s of depth polling. Please "
             "advise on market-maker programme eligibility.",
             rps);
    STATUS("on_hold");
    AGENT("solved",
          "Hi %s,\n\nI'm %s from the API team. Higher limits are part of our market-maker "
          "programme, which needs a monthly volume your account doesn't reach yet. Moving the "
          "book and balance polling to WebSocket streams will bring you well under the limit; "
          "our API docs have an example for keeping a local order book in sync.\n\n— %s",
          c->first, AG(2), AG(2));
    CUST("Switched depth to the websocket stream, no more 429s. Thanks.");
    STATUS("closed");
}

SC(websocket_drops)
{
    TAG("api");
    TAG("websocket");
    int every = demo__chance(r, 50);
    SUBJ("WebSocket stream disconnects %s", every ? "every 24 hours" : "after a few minutes");
    OPEN("My user-data WebSocket connection drops %s and my bot misses fills. Is there a "
         "problem on your side?",
         every ? "every day at almost the same time" : "after about 10 minutes of no trades");
    AGENT("solved",
          "Hi %s,\n\n%s\n\nReconnecting automatically and resubscribing (and fetching open "
          "orders once over REST after a reconnect) makes the bot robust against any "
          "disconnect.\n\n— %s",
          c->first,
          every ? "That is expected: a single connection is valid for 24 hours and is closed "
                  "by our servers after that. Open a new connection shortly before the 24 "
                  "hours are up."
                : "Our servers send a ping frame every 3 minutes and close the connection if "
                  "no pong comes back within 10 minutes. Some client libraries don't answer "
                  "pings automatically; please check yours does.",
          AG(1));
    CUST("%s", ONE("Makes sense, thanks. Added a reconnect handler.",
                   "The pong was the problem, my library had it off by default. Fixed."));
    STATUS("closed");
}

SC(app_crash)
{
    int android = demo__chance(r, 55);
    char ver[16];
    snprintf(ver, sizeof(ver), "4.%d.%d", (int)demo__range(r, 10, 14), (int)demo__range(r, 0, 4));
    const char *device = android
                             ? ONE("Pixel 7", "Galaxy S22", "Galaxy A54", "Xiaomi 13", "OnePlus 11")
                             : ONE("iPhone 12", "iPhone 14 Pro", "iPhone SE", "iPhone 15");
    TAG("mobile-app");
    TAG(android ? "android" : "ios");
    SUBJ("App crashes %s after update to %s",
         ONE("on start", "when opening Futures", "when I open the Assets tab"), ver);
    OPEN("Since the update to version %s the app closes by itself %s. %s, latest %s. I "
         "already reinstalled it.",
         ver, "every time I try", device, android ? "Android" : "iOS");
    AGENT("pending",
          "Hi %s,\n\nSorry about that. Could you send us the app's diagnostic ID? You'll find "
          "it under Profile > Settings > About > \"Copy diagnostic ID\" (you can open that "
          "screen before the crash happens). Meanwhile, the website works normally on your "
          "phone's browser.\n\n— %s",
          c->first, AG(1));
    char diag[16];
    demo__digits(r, diag, 10);
    CUST("Diagnostic ID: %s", diag);
    ESCALATE(2,
             "Crash report for diagnostic %s found: null pointer in the %s chart widget, "
             "%s build %s. Known to mobile team?",
             diag, android ? "Android" : "iOS", android ? "Android" : "iOS", ver);
    AGENT("on_hold",
          "Hi %s,\n\nThanks to your diagnostic ID we found the crash; our mobile team has a "
          "fix in the next release, planned within a week. I'll let you know when it's out.\n\n"
          "— %s",
          c->first, AG(2));
    AGENT("solved",
          "The update with the fix is now available in the %s. Please update and let us know "
          "if anything still goes wrong.\n\n— %s",
          android ? "Play Store" : "App Store", AG(2));
    STATUS("closed");
}

SC(emails_missing)
{
    const char *provider =
        ONE("Outlook", "Gmail", "a company mail server", "Yahoo Mail", "my own domain");
    TAG("email");
    TAG("verification-code");
    SUBJ("%s", ONE("Not receiving verification emails", "No email code when withdrawing",
                   "Confirmation email never arrives"));
    OPEN("I'm trying to %s but the email with the code never arrives. I use %s and checked "
         "spam. Requested it five times.",
         ONE("withdraw", "change my password", "confirm a new device"), provider);
    AGENT("pending",
          "Hi %s,\n\nOur logs show the emails were accepted by your mail provider, so they're "
          "being filtered on their side. Please check the Spam, Promotions or Quarantine "
          "folders, and add our sending address to your contacts. If you use %s with custom "
          "rules, a rule may be moving them.\n\nOnly trust emails that show your "
          "anti-phishing code.\n\n— %s",
          c->first, provider, AG(1));
    if (demo__chance(r, 60)) {
        CUST("Found them in a quarantine folder I didn't know existed. Thanks!");
        AGENT("solved", "Glad you found them!\n\n— %s", AG(1));
    } else {
        CUST("Nothing in spam or anywhere else. Still not getting them.");
        ESCALATE(2, "Delivery logs: accepted by recipient MX with 250 OK, so dropped after "
                    "acceptance. Can we offer SMS codes as a fallback for this account?");
        AGENT("solved",
              "Hi %s,\n\nWe've switched your verification codes to SMS for now, to the phone "
              "number on your account. You can switch back under Security when your mail "
              "provider has sorted out the filtering.\n\n— %s",
              c->first, AG(2));
    }
    STATUS("closed");
}

SC(api_withdraw_permission)
{
    TAG("api");
    TAG("permissions");
    SUBJ("Can't enable withdrawals on API key");
    OPEN("I want my %s script to withdraw to my cold wallet automatically, but the \"Enable "
         "withdrawals\" box on the API key page is greyed out.",
         bot_lang(r));
    AGENT("solved",
          "Hi %s,\n\nWithdrawal permission is only available for keys restricted to trusted "
          "IP addresses, because a key that can withdraw is as powerful as your password. Add "
          "your server's IP to the key's whitelist and the checkbox becomes available (you "
          "will confirm with 2FA). We also recommend enabling the withdrawal address "
          "whitelist, so that the key can only send to your cold wallet.\n\n— %s",
          c->first, AG(1));
    CUST("Worked, thank you.");
    STATUS("closed");
}

/* ---- KYC & verification --------------------------------------------------------- */

SC(kyc_blurry)
{
    const char *doc = ONE("passport", "ID card", "driving licence", "residence permit");
    const char *reason =
        ONE("Document image is blurry or unreadable", "Glare on the document: details not visible",
            "Document edges cut off", "Photo of a screen not accepted");
    int misfiled = demo__chance(r, 20);
    if (misfiled)
        p->dept = "account";
    TAG("kyc");
    TAG("rejected");
    SUBJ("%s", ONE("Verification rejected - why?", "KYC rejected again",
                   "ID verification failed, need help"));
    OPEN("My identity verification was rejected with the reason \"%s\". I used my %s. I %s "
         "and I need to be verified to withdraw. What exactly is wrong?",
         reason, doc, ONE("tried three times", "took the photo twice", "uploaded a scan"));
    if (misfiled)
        TRANSFER("kyc", "Verification question, moving to KYC.");
    AGENT("pending",
          "Hi %s,\n\nI've looked at your submission: the %s itself is fine, but the photo "
          "didn't pass our quality check (\"%s\"). A few tips that usually fix it:\n- place "
          "the document on a dark, plain surface with even light, no direct lamp above it;\n"
          "- all four corners visible, nothing covering it;\n- photograph the real document, "
          "not a copy or a screen;\n- hold the phone still and let it focus.\n\nYou can "
          "resubmit right away from Verification.\n\n— %s",
          c->first, doc, reason, demo__agent_first("kyc", 1));
    CUST("%s", ONE("Resubmitted in daylight by the window. Let's see.",
                   "OK, done again, this time with the app instead of the website.",
                   "Uploaded a new photo. Fingers crossed."));
    AGENT("solved",
          "Good news: your verification has been approved and withdrawals are unlocked. "
          "Thanks for your patience, %s.\n\n— %s",
          c->first, demo__agent_first("kyc", 1));
    STATUS("closed");
}

SC(kyc_name_mismatch)
{
    const char *cause =
        ONE("my bank account is still in my maiden name",
            "my name is transliterated differently on my passport",
            "my ID has my middle name but my bank account doesn't", "my bank shortened my surname");
    TAG("kyc");
    TAG("name-mismatch");
    SUBJ("Bank deposit rejected: name doesn't match");
    OPEN("My bank deposit was returned with the reason \"sender name does not match the "
         "verified account name\". The reason is that %s. It's my own account! How do I fix "
         "this?",
         cause);
    AGENT("pending",
          "Hi %s,\n\nThanks for explaining. We can only accept payments from accounts in the "
          "name of the verified account holder, but a difference like this can be resolved. "
          "Please upload here:\n- a recent bank statement showing the account holder name, "
          "and\n- a document that links the two names (for example a marriage certificate or "
          "an official name-change document, or the transliteration page of your "
          "passport).\n\n— %s",
          c->first, AG(1));
    CUST("I've uploaded both documents.");
    ESCALATE(2,
             "Name variation: %s. Documents uploaded. Tier 2 to add the alias to the "
             "verified profile.",
             cause);
    STATUS("on_hold");
    AGENT("solved",
          "Hi %s,\n\nI'm %s from the verification team. I've added the name on your bank "
          "account as an approved alias on your profile. Future deposits from that account "
          "will be credited normally; the returned deposit can simply be sent again.\n\n— %s",
          c->first, AG(2), AG(2));
    STATUS("closed");
}

SC(kyc_country)
{
    const char *country = ONE("Ontario, Canada", "the United States", "Singapore", "Japan");
    TAG("kyc");
    TAG("jurisdiction");
    SUBJ("Verification says my country is not supported");
    OPEN("I moved to %s last year and updated my address in my profile. Now my account says "
         "\"Your country of residence is not supported\" and I can't trade. I've been a "
         "customer for years. What happens to my funds?",
         country);
    AGENT(NULL,
          "Hi %s,\n\nThank you for keeping your address up to date. I've passed your case to "
          "our compliance team so they can confirm which services are available to you.\n\n— "
          "%s",
          c->first, AG(1));
    ESCALATE(3,
             "Customer now resident in %s. Needs compliance confirmation of the "
             "offboarding path (withdraw-only).",
             country);
    STATUS("on_hold");
    AGENT("solved",
          "Hi %s,\n\nI'm %s from compliance. I'm sorry to say that our licences don't allow "
          "us to offer trading to residents of %s. Your funds are safe and fully yours: your "
          "account is now in withdraw-only mode, so you can withdraw all balances at any time "
          "(open orders have been cancelled). If you move again, update your address and "
          "we'll review the account.\n\n— %s",
          c->first, AG(3), country, AG(3));
    CUST("Disappointing, but thanks for being clear. I've withdrawn everything.");
    STATUS("closed");
}

SC(kyc_address_proof)
{
    const char *doc = ONE("mobile phone bill", "utility bill from four months ago",
                          "screenshot of my banking app", "tenancy agreement");
    TAG("kyc");
    TAG("proof-of-address");
    SUBJ("Proof of address not accepted");
    OPEN("My proof of address was rejected. I uploaded a %s. What documents do you accept?", doc);
    AGENT("pending",
          "Hi %s,\n\nWe accept a bank statement, utility bill (electricity, water, gas, "
          "landline or internet) or an official letter from a government authority, dated "
          "within the last three months, showing your full name and address. Mobile phone "
          "bills, screenshots and documents older than three months can't be accepted.\n\n"
          "Please upload one of those from the Verification page.\n\n— %s",
          c->first, AG(1));
    CUST("%s",
         ONE("Uploaded my last bank statement (PDF).", "Sent the electricity bill from last month.",
             "Uploaded a letter from the tax office."));
    AGENT("solved", "Thank you, your address is now verified.\n\n— %s", AG(1));
    STATUS("closed");
}

SC(kyc_liveness)
{
    TAG("kyc");
    TAG("liveness");
    int misfiled = demo__chance(r, 40);
    if (misfiled)
        p->dept = "technical";
    SUBJ("%s", ONE("Selfie check keeps failing", "Liveness check: \"face not detected\"",
                   "Can't pass the video selfie step"));
    const char *msg =
        ONE("Face not detected", "Please move closer", "Verification session expired");
    const char *dev =
        ONE("Chrome on my laptop", "the app on my phone", "Safari on my iPad", "Firefox");
    OPEN("The selfie video step fails every time with \"%s\". I'm using %s. I've tried "
         "maybe ten times.",
         msg, dev);
    if (misfiled)
        TRANSFER("kyc", "Liveness step of verification, belongs to KYC.");
    AGENT("pending",
          "Hi %s,\n\nThe liveness check is sensitive to light and camera access. Please try "
          "this:\n- use our mobile app rather than a laptop webcam;\n- face a window or lamp "
          "so the light is in front of you, not behind;\n- remove glasses and hats;\n- make "
          "sure the browser or app has camera permission.\n\nLet me know how it goes.\n\n— %s",
          c->first, demo__agent_first("kyc", 1));
    CUST("%s",
         ONE("The app worked on the first try. Thanks!", "Facing the window did it. Passed."));
    AGENT("solved", "Great, your verification is now complete.\n\n— %s",
          demo__agent_first("kyc", 1));
    STATUS("closed");
}

SC(kyc_source_of_funds)
{
    snprintf(p->asset, sizeof(p->asset), "%s", ONE("EUR", "USDT", "BTC"));
    if (strcmp(p->asset, "BTC") == 0)
        demo__amount(r, p->amount, sizeof(p->amount), 150, 900, 2);
    else
        demo__amount(r, p->amount, sizeof(p->amount), 60000, 450000, 0);
    TAG("kyc");
    TAG("source-of-funds");
    p->priority = "high";
    SUBJ("Why do you need proof of my source of funds?");
    OPEN("After my deposit of %s %s my account was restricted and I was asked to prove my "
         "\"source of funds\". I don't see why I should send you payslips. It's my money. "
         "How long will this take?",
         p->amount, p->asset);
    AGENT("pending",
          "Hi %s,\n\nI understand this feels intrusive. As a regulated exchange we're required "
          "by anti-money-laundering rules to understand where larger deposits come from; it "
          "isn't a suspicion against you. Any one of these is enough:\n- sale of property or "
          "a business (contract),\n- savings (bank statements),\n- inheritance or a gift "
          "(official documents),\n- for crypto: records from the platform or wallet where "
          "you bought it.\n\nYou can upload them here; reviews take two to three working "
          "days.\n\n— %s",
          c->first, AG(1));
    CUST("%s", ONE("Uploaded the sale contract for my flat and the bank statement showing "
                   "the payment.",
                   "I've uploaded my trade history from the other exchange where I bought it "
                   "in 2021.",
                   "Uploaded the inheritance certificate and the notary letter."));
    ESCALATE(2, "SoF documents received, look consistent with the deposit. Tier 2 review per "
                "EDD procedure.");
    AGENT("on_hold",
          "Hi %s, I'm %s from the verification team. Your documents are with me for review; "
          "I'll get back to you here within three working days.\n\n— %s",
          c->first, AG(2), AG(2));
    AGENT("solved",
          "Hi %s,\n\nThank you, the documents are sufficient and the restriction has been "
          "lifted. You won't need to provide them again for deposits of a similar size.\n\n— "
          "%s",
          c->first, AG(2));
    STATUS("closed");
}

SC(kyc_review_slow)
{
    int days = (int)demo__range(r, 4, 9);
    TAG("kyc");
    TAG("review-time");
    SUBJ("Verification under review for %d days", days);
    OPEN(
        "I submitted my documents %d days ago and it still says \"Under review\". The site "
        "says it takes 24 hours. %s",
        days,
        ONE("Is there a problem?", "Can you speed it up?", "I have a deposit waiting to be used."));
    AGENT(NULL,
          "Hi %s,\n\nSorry for the wait. Your submission was routed to manual review, which "
          "happens when the automatic check can't read everything with certainty. I've "
          "flagged it for priority.\n\n— %s",
          c->first, AG(1));
    NOTE("Stuck in the manual queue because the document's MRZ couldn't be read. Asked tier 2 "
         "to review today.");
    AGENT("solved", "Your verification is approved. Thank you for your patience!\n\n— %s", AG(1));
    STATUS("closed");
}

/* ---- table ---------------------------------------------------------------------- */

const struct demo__scenario demo__scenarios[] = {
    {"withdrawal_processing", "deposits", 9, withdrawal_processing},
    {"withdrawal_not_received", "deposits", 8, withdrawal_not_received},
    {"deposit_wrong_network", "deposits", 6, deposit_wrong_network},
    {"deposit_missing_tag", "deposits", 5, deposit_missing_tag},
    {"deposit_unconfirmed", "deposits", 4, deposit_unconfirmed},
    {"withdrawal_fee_question", "deposits", 3, withdrawal_fee_question},
    {"fiat_deposit_missing", "deposits", 4, fiat_deposit_missing},
    {"withdrawal_wrong_address", "deposits", 3, withdrawal_wrong_address},
    {"account_locked", "account", 6, account_locked},
    {"twofa_reset", "account", 6, twofa_reset},
    {"suspicious_login", "account", 5, suspicious_login},
    {"phishing_check", "account", 4, phishing_check},
    {"email_change", "account", 3, email_change},
    {"withdrawal_lock", "account", 3, withdrawal_lock},
    {"account_closure", "account", 2, account_closure},
    {"liquidation_dispute", "trading", 6, liquidation_dispute},
    {"stoploss_slippage", "trading", 5, stoploss_slippage},
    {"limit_not_filled", "trading", 4, limit_not_filled},
    {"trading_fee_question", "trading", 3, trading_fee_question},
    {"p2p_buyer", "trading", 5, p2p_buyer},
    {"p2p_seller", "trading", 4, p2p_seller},
    {"funding_fee", "trading", 2, funding_fee},
    {"api_ip_whitelist", "technical", 4, api_ip_whitelist},
    {"api_signature", "technical", 5, api_signature},
    {"api_rate_limit", "technical", 4, api_rate_limit},
    {"websocket_drops", "technical", 3, websocket_drops},
    {"app_crash", "technical", 4, app_crash},
    {"emails_missing", "technical", 3, emails_missing},
    {"api_withdraw_permission", "technical", 2, api_withdraw_permission},
    {"kyc_blurry", "kyc", 6, kyc_blurry},
    {"kyc_name_mismatch", "kyc", 4, kyc_name_mismatch},
    {"kyc_country", "kyc", 3, kyc_country},
    {"kyc_address_proof", "kyc", 3, kyc_address_proof},
    {"kyc_liveness", "kyc", 3, kyc_liveness},
    {"kyc_source_of_funds", "kyc", 3, kyc_source_of_funds},
    {"kyc_review_slow", "kyc", 2, kyc_review_slow},
};
const int demo__nscenarios = (int)(sizeof(demo__scenarios) / sizeof(demo__scenarios[0]));
