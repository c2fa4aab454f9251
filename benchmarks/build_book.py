"""Build a large crm book directly, for the benchmarks (issues 2, 3, 5 and 6).

    python benchmarks/build_book.py /tmp/crm-100k.db                 # 100,000 customers
    python benchmarks/build_book.py /tmp/crm-100.db --customers 100  # the same, scaled down

The schema comes from crm itself (the file is opened once through
`crmcli.store.db.open_database`, which runs the migrations); the rows are
written with the stdlib sqlite3 driver and `executemany`, not through the
CLI, so 1,000,000 contacts take seconds. The other counts default to the
same proportions as the 100,000-customer book (2 stakeholders, 10 contacts,
2 deals, 5 purchases and 1 dated fact per customer), so a small book is the
large one scaled down.

The derived columns the agenda reads (customer.last_contact and next_due,
stakeholder.last_contact) are computed by crm's own code
(crmcli.store.due), so the book is exactly what crm would have written;
a sample is then refreshed again and must come out unchanged.

Seeded and deterministic: the same --seed and --today give the same file.
Nothing here touches the clock: "today" is --today (default 2026-11-25);
time the book with CRM_TODAY set to the same day (time_commands.py does).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections import Counter
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

from crmcli.core.names import email_key, name_key, phone_digits
from crmcli.core.vocabulary import LADDER, TIER_CADENCE_DAYS
from crmcli.store import purchase_totals, stage_moves
from crmcli.store.db import Database, open_database
from crmcli.store.due import refresh_last_contact, refresh_next_due, refresh_stakeholder_contact

DEFAULT_TODAY = date(2026, 11, 25)
CONTACT_WINDOW_DAYS = 730  # contacts are spread over the last two years

# -- the vocabulary of the generated book ---------------------------------
TIER_MIX = {"gold": 5, "silver": 15, "iron": 45, "lead": 35}
STAGE_MIX = {"suspect": 8, "prospect": 25, "first-time": 15, "repeat": 17, "client": 22,
             "advocate": 5, "lost": 8}
CONTACTS_PER_YEAR = {"gold": 26, "silver": 12, "iron": 4, "lead": 2}  # a rep keeping the cadence
STAGE_CONTACT_FACTOR = {"suspect": 0.5, "lost": 0.3}
NEGLECTED_SHARE = 0.06  # customers whose last contact is anywhere in the window, not on cadence
NEVER_CONTACTED_SHARE = 0.02
OPEN_FOLLOW_UP_SHARE = 0.05  # of contacted customers: the last contact asked for a next step
DONE_FOLLOW_UP_SHARE = 0.03  # of the other contacts: a follow-up that was answered
SNOOZED_SHARE = 0.005
PEOPLE_SHARE = 0.10  # customers who are persons buying for themselves
CHINESE_SHARE = 0.45

DEAL_MIX = {"won": 0.45, "lost": 0.30}  # the rest (a quarter) are open
TIER_VALUE_YUAN = {"gold": 60000, "silver": 15000, "iron": 4000, "lead": 1500}
TIER_DEAL_WEIGHT = {"gold": 8, "silver": 4, "iron": 2, "lead": 1}
TIER_PEOPLE_WEIGHT = {"gold": 4, "silver": 3, "iron": 2, "lead": 1}

EN_BRANDS = ("Acme", "Pacific", "Golden", "Bluewave", "Summit", "Orient", "Harbor", "Northstar",
             "Redwood", "Silverline", "Evergreen", "Crystal", "Jade", "Lotus", "Eastern", "Phoenix",
             "Horizon", "Unity", "Pioneer", "Sterling", "Apex", "Vertex", "Meridian", "Cedar",
             "Falcon", "Granite", "Liberty", "Beacon", "Sunrise", "Pearl River", "Yangtze",
             "Starlight", "Harmony", "Delta", "Zenith", "Atlas", "Nova", "Kingfisher", "Bamboo",
             "Silk Road")
EN_TRADES = ("Trading", "Logistics", "Medical", "Electronics", "Foods", "Textiles", "Packaging",
             "Software", "Machinery", "Optics", "Furniture", "Hotels", "Pharma", "Steel",
             "Printing", "Agritech", "Auto Parts", "Chemicals", "Plastics", "Solar")
EN_SUFFIXES = ("Co.", "Ltd.", "Group", "Inc.", "Holdings", "Corp.", "")
ZH_CITIES = ("上海", "北京", "深圳", "广州", "杭州", "成都", "武汉", "南京", "苏州", "西安",
             "重庆", "天津", "青岛", "厦门", "长沙", "宁波", "大连", "昆明", "合肥", "郑州")
ZH_BRANDS = ("恒信", "绿源", "天府", "精工", "长江", "金陵", "海润", "创新", "鹭岛", "山城",
             "湘江", "港联", "华盛", "永安", "鑫达", "宏图", "瑞丰", "盛世", "东方", "九州",
             "百川", "嘉禾", "中和", "新纪元", "联创", "星辰", "润泽", "博远", "汇通", "德信",
             "广源", "福瑞", "凯达", "金桥", "远航", "宏达", "佳美", "正泰", "安信", "明辉")
ZH_TRADES = ("科技", "物流", "食品", "建材", "机械", "汽配", "医药", "水产", "电子", "贸易",
             "钢铁", "印务", "仓储", "纺织", "包装", "化工", "家具", "文旅", "酒店", "农业")
ZH_SUFFIXES = ("有限公司", "集团", "股份有限公司", "")
EN_CITIES = ("Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Hangzhou", "Chengdu", "Wuhan",
             "Nanjing", "Suzhou", "Xi'an", "Chongqing", "Tianjin", "Qingdao", "Xiamen", "Changsha",
             "Ningbo", "Dalian", "Kunming", "Hong Kong", "Singapore")
INDUSTRIES = ("trading", "logistics", "medical", "electronics", "food", "textiles", "packaging",
              "software", "machinery", "optics", "furniture", "hospitality", "pharma", "steel",
              "printing", "agriculture", "automotive", "chemicals", "construction", "education")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIVEN = ("伟", "芳", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超",
         "秀英", "霞", "平", "刚", "桂英", "建国", "建华", "志强", "晓东", "丽华", "海燕", "雪",
         "婷", "鹏", "斌", "琳", "悦", "骏", "帆", "红", "娜", "强", "欣怡", "子涵", "浩然", "思远")
EN_FIRST = ("Emily", "David", "Sarah", "Michael", "Grace", "Kevin", "Linda", "Jason", "Amy", "Tony",
            "Peter", "Alex", "Helen", "Eric", "Vivian", "Frank", "Cindy", "Steven", "Joyce", "Leo",
            "Anna", "Bruce", "Coco", "Daniel", "Iris", "Jack", "Karen", "Martin", "Nancy", "Oscar")
EN_LAST = ("Chen", "Wong", "Li", "Zhang", "Liu", "Wu", "Zhou", "Lin", "Huang", "Ma", "Sun", "Qian",
           "Zhao", "Xu", "Guo", "He", "Gao", "Luo", "Zheng", "Tang", "Lee", "Smith", "Tan", "Ng",
           "Lam", "Cheung", "Yang", "Ho", "Chan", "Lau")
TITLES = {"decision-maker": ("总经理", "CEO", "采购总监", "VP Operations", "老板"),
          "influencer": ("技术总监", "CTO", "财务经理", "Chief Engineer", "设计主管"),
          "executor": ("采购专员", "Buyer", "采购经理", "Purchasing Officer", "行政主管"),
          "supervisor": ("审计主管", "Controller", "质量经理", "Compliance Officer")}
DEPARTMENTS = ("采购部", "Purchasing", "财务部", "Engineering", "总经办", "Operations", "IT")
ROLE_MIX = {"decision-maker": 25, "influencer": 30, "executor": 35, "supervisor": 10}
LEVEL_MIX = {None: 20, "acquainted": 35, "engaged": 25, "partner": 15, "ally": 5}
PREFERS_MIX = {None: 20, "im": 35, "call": 25, "email": 12, "visit": 5, "meeting": 3}
BEST_TIMES = ("evenings", "mornings", "weekends", "noon", "office hours", "工作日下午", "晚上",
              "上午10点后")
CHANNEL_MIX = {"call": 30, "im": 25, "email": 15, "visit": 10, "meeting": 7, "meal": 4, "sms": 4,
               "gift": 2, "event": 2, "mail": 1}
PURPOSE_MIX = {"sell": 25, "develop": 20, "care": 15, "inform": 12, "serve": 12, "survey": 6,
               "intel": 5, "complaint": 3, "resolved": 2}
NOTES = ("询问新季度报价", "Discussed renewal terms", "送去中秋礼品", "Site visit, met the plant manager",
         "技术交流会", "Sent product brochure", "回访满意度", "Lunch with the buyer", "投诉交货延迟",
         "问题已解决,客户满意", "Introduced to the finance team", "微信沟通样品进度",
         "Trial order discussed", "年度合同续签", "Birthday wishes sent", "Shared industry report",
         "Followed up on the quote", "确认交货时间", "New budget cycle starts in Q1", "介绍新产品线")
FEEDBACK = ("满意", "Price is a concern", "希望加快交期", "Happy with service", "考虑增加订单",
            "Needs board approval", "对新产品感兴趣", "Asked for a discount", "在比较竞争对手",
            "Wants a longer warranty")
NEXT_NOTES = ("send the quote", "发送报价单", "call back about the contract", "安排技术交流",
              "confirm the delivery date", "寄样品", "invite to the trade fair", "跟进付款")
PRODUCTS = ("Fleet renewal", "Annual service contract", "Spare parts", "Installation", "Training",
            "年度维保合同", "设备采购", "耗材补货", "软件许可", "升级改造", "Consulting days",
            "Replacement units")
LOST_REASONS = ("price", "chose a competitor", "预算取消", "项目延期", "no decision", "交期太长")
FACTS_COMPANY = ("satisfaction", "headcount", "budget", "competitor", "payment")
FACTS_PERSON = ("satisfaction", "mileage", "income", "family", "job", "payment")
FACT_TEXT = {"competitor": ("Siemens", "本地厂商", "none", "ABB", "价格更低的供应商"),
             "payment": ("cash", "loan", "installments", "现金", "贷款"),
             "income": ("up", "flat", "down"),
             "family": ("single", "married", "first child", "second child", "已婚"),
             "job": ("employed", "promoted", "retired", "own business", "升职")}


def _pick(rng: random.Random, mix: dict) -> object:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


class Book:
    """Generates the rows of every table, in memory, as tuples in column order."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.rng = random.Random(args.seed)
        self.today: date = args.today
        self.n = args.customers
        self.args = args
        self.stamp = lambda d: f"{d.isoformat()}T09:00:00"
        self.rows: dict[str, list[tuple]] = {}

    # -- customers ---------------------------------------------------------
    def _company_name(self, chinese: bool) -> str:
        r = self.rng
        if chinese:
            return f"{r.choice(ZH_CITIES)}{r.choice(ZH_BRANDS)}{r.choice(ZH_TRADES)}{r.choice(ZH_SUFFIXES)}"
        return " ".join(x for x in (r.choice(EN_BRANDS), r.choice(EN_TRADES), r.choice(EN_SUFFIXES)) if x)

    def person_name(self, chinese: bool) -> str:
        r = self.rng
        if chinese:
            return r.choice(SURNAMES) + r.choice(GIVEN)
        return f"{r.choice(EN_FIRST)} {r.choice(EN_LAST)}"

    def customers(self) -> None:
        r, today = self.rng, self.today
        seen: Counter[str] = Counter()
        self.tier: list[str] = [""]  # index = customer id
        self.stage: list[str] = [""]
        self.kind: list[str] = [""]
        self.since: list[date] = [today]
        self.cname: list[str] = [""]
        rows = []
        for cid in range(1, self.n + 1):
            chinese = r.random() < CHINESE_SHARE
            person = r.random() < PEOPLE_SHARE
            if person:
                name = self.person_name(chinese)  # people share names; REF lists the candidates
            else:
                name = self._company_name(chinese)
                seen[name] += 1
                if seen[name] > 1:  # a second company of that name: the branch's city tells them apart
                    city = r.choice(ZH_CITIES if chinese else EN_CITIES)
                    name = f"{name}({city})" if chinese else f"{name} ({city})"
                    seen[name] += 1
                    if seen[name] > 1:
                        name = f"{name} {seen[name]}"
            tier = _pick(r, TIER_MIX)
            stage = _pick(r, STAGE_MIX)
            since = today - timedelta(days=r.randint(0, 29) if r.random() < 0.02 else r.randint(30, 1460))
            every = r.choice((7, 21, 45, 60)) if r.random() < 0.02 else None
            snoozed = (today + timedelta(days=r.randint(1, 30))).isoformat() if r.random() < SNOOZED_SHARE else None
            city = r.choice(ZH_CITIES if chinese else EN_CITIES)
            phone = f"+86 {r.randint(10, 999)} {r.randint(1000, 9999)} {r.randint(1000, 9999)}" if r.random() < 0.7 else None
            email = f"info{cid}@example.cn" if not person and r.random() < 0.5 else None
            tags = r.choice(("vip", "expo-2025", "referral", "vip;referral", "展会")) if r.random() < 0.2 else ""
            stamp = self.stamp(since)
            rows.append((cid, name, name_key(name), "person" if person else "company", tier, stage,
                         None if person else r.choice(INDUSTRIES), city, phone, email, tags, every,
                         since.isoformat(), None, "", snoozed, stamp, stamp))
            self.tier.append(tier)
            self.stage.append(stage)
            self.kind.append("person" if person else "company")
            self.since.append(since)
            self.cname.append(name)
        self.rows["customer(id, name, name_key, kind, tier, stage, industry, city, phone, email, tags, "
                  "every_days, since, note, owner, snoozed_until, created_at, updated_at)"] = rows
        self.every = [None] + [row[11] for row in rows]

    def stage_history(self) -> None:
        """Each customer climbed the ladder to its stage (lost ones fell off it), dated from `since`."""
        r, today = self.rng, self.today
        rows = []
        for cid in range(1, self.n + 1):
            stage = self.stage[cid]
            if stage == "lost":
                path = list(LADDER[1:LADDER.index(r.choice(("prospect", "first-time", "repeat", "client"))) + 1]) + ["lost"]
            elif stage == "suspect":
                path = ["suspect"]
            else:
                start = 0 if r.random() < 0.3 else 1
                path = list(LADDER[start:LADDER.index(stage) + 1])
            since = self.since[cid]
            span = (today - since).days
            days = sorted(r.randint(0, span) for _ in path[1:])
            for step, offset in zip(path, [0, *days]):
                at = since + timedelta(days=offset)
                rows.append((cid, step, at.isoformat(), None, self.stamp(at)))
        self.rows["stage_change(customer_id, stage, at, note, created_at)"] = rows

    # -- stakeholders ------------------------------------------------------
    def stakeholders(self) -> None:
        r = self.rng
        total = self.args.stakeholders
        ids = range(1, self.n + 1)
        counts: Counter[int] = Counter()
        if total >= self.n:
            counts.update(ids)  # everyone has somebody to talk to
            companies = [c for c in ids if self.kind[c] == "company"]
            weights = [TIER_PEOPLE_WEIGHT[self.tier[c]] for c in companies]
            if companies:
                counts.update(r.choices(companies, weights=weights, k=total - self.n))
        else:
            counts.update(r.sample(list(ids), total))
        self.people: list[range] = [range(0)] * (self.n + 1)  # stakeholder ids of each customer
        self.birthday_of: dict[int, str] = {}
        rows, levels = [], []
        sid = 0
        for cid in ids:
            first = sid + 1
            for k in range(counts[cid]):
                sid += 1
                chinese = r.random() < CHINESE_SHARE + 0.15
                if self.kind[cid] == "person" and k == 0:
                    name, role = self.cname[cid], "decision-maker"
                else:
                    name = self.person_name(chinese)
                    role = "decision-maker" if k == 0 and r.random() < 0.7 else _pick(r, ROLE_MIX)
                level = _pick(r, LEVEL_MIX)
                phone = f"1{r.randint(30, 99)} {r.randint(1000, 9999)} {r.randint(1000, 9999)}" if r.random() < 0.85 else None
                email = f"p{sid}@example.cn" if r.random() < 0.6 else None
                birthday = None
                if r.random() < 0.25:
                    month, day = r.randint(1, 12), r.randint(1, 28)
                    birthday = (f"{r.randint(1960, 1998)}-{month:02d}-{day:02d}" if r.random() < 0.8
                                else f"--{month:02d}-{day:02d}")
                every = r.choice((30, 60, 90)) if r.random() < 0.01 else None
                stamp = self.stamp(self.since[cid])
                rows.append((sid, cid, name, name_key(name), role, level, r.choice(TITLES[role]),
                             r.choice(DEPARTMENTS) if r.random() < 0.5 else None, phone,
                             phone_digits(phone) or None, email, email_key(email) or None,
                             f"wx_{sid}" if r.random() < 0.4 else None, _pick(r, PREFERS_MIX),
                             r.choice(BEST_TIMES) if r.random() < 0.5 else None, birthday, every,
                             None, stamp, stamp))
                if level:
                    levels.append((sid, level, self.since[cid].isoformat(), None, stamp))
            self.people[cid] = range(first, sid + 1)
        self.rows["stakeholder(id, customer_id, name, name_key, role, level, title, department, phone, "
                  "phone_digits, email, email_key, im, prefers, best_time, birthday, every_days, note, "
                  "created_at, updated_at)"] = rows
        self.rows["level_change(stakeholder_id, level, at, note, created_at)"] = levels

    # -- the contact log and follow-ups -------------------------------------
    def contacts(self) -> None:
        r, today = self.rng, self.today
        window_start = today - timedelta(days=CONTACT_WINDOW_DAYS)
        ids = list(range(1, self.n + 1))
        weights = []
        for cid in ids:
            if r.random() < NEVER_CONTACTED_SHARE or (
                    (today - self.since[cid]).days < 30 and r.random() < 0.5):
                weights.append(0.0)
                continue
            years = (today - max(self.since[cid], window_start)).days / 365
            weights.append(CONTACTS_PER_YEAR[self.tier[cid]] * STAGE_CONTACT_FACTOR.get(self.stage[cid], 1.0)
                           * max(years, 1 / 52))
        if not any(weights):
            weights = [1.0] * len(ids)
        # Everyone not left out on purpose has been contacted at least once; the rest of the
        # log goes mostly to the customers whose cadence asks for more.
        contacted = [c for c, w in zip(ids, weights) if w]
        counts: Counter[int] = Counter()
        if self.args.contacts >= len(contacted):
            counts.update(contacted)
        extra = self.args.contacts - sum(counts.values())
        counts.update(r.choices(ids, cum_weights=list(accumulate(weights)), k=extra))
        # Dates: most customers were contacted on cadence (the last contact less than one
        # cadence ago), some were neglected; earlier contacts fall anywhere before the last.
        shift = max(20, self.n.bit_length())
        keys: list[int] = []
        for cid, k in counts.items():
            start = max(self.since[cid], window_start)
            span = (today - start).days
            cadence = min(self.every[cid] or TIER_CADENCE_DAYS[self.tier[cid]], 365)
            if r.random() < NEGLECTED_SHARE:
                last = start + timedelta(days=r.randint(0, span))
            else:
                last = today - timedelta(days=r.randint(0, min(span, cadence - 1)))
            gap = (last - start).days
            keys.append(last.toordinal() << shift | cid)
            keys.extend((start.toordinal() + r.randint(0, gap)) << shift | cid for _ in range(k - 1))
        keys.sort()  # the log is written in date order, as a rep writes it
        open_follow_up = {cid for cid in counts if r.random() < OPEN_FOLLOW_UP_SHARE}
        left = dict(counts)
        mask = (1 << shift) - 1
        today_ordinal = today.toordinal()
        # The hot loop (a million rows): plain random() and lookup tables instead of
        # choices()/randint(), and each date formatted once.
        rnd = r.random
        channels = [k for k, w in CHANNEL_MIX.items() for _ in range(w)]
        purposes = [k for k, w in PURPOSE_MIX.items() for _ in range(w)]
        iso: dict[int, str] = {}
        rows, follow_ups = [], []
        for iid, key in enumerate(keys, 1):
            cid = key & mask
            ordinal = key >> shift
            day = iso.get(ordinal) or iso.setdefault(ordinal, date.fromordinal(ordinal).isoformat())
            left[cid] -= 1
            people = self.people[cid]
            sid = people[int(rnd() * len(people))] if people and rnd() < 0.85 else None
            purpose = purposes[int(rnd() * len(purposes))]
            score = 3 + int(rnd() * 8) if purpose == "survey" or rnd() < 0.03 else None
            next_on = next_note = None
            stamp = f"{day}T09:00:00"
            if left[cid] == 0 and cid in open_follow_up:
                next_on = date.fromordinal(ordinal + 3 + int(rnd() * 28)).isoformat()
                next_note = NEXT_NOTES[int(rnd() * len(NEXT_NOTES))]
                follow_ups.append((cid, sid, iid, next_on, next_note, None, None, stamp))
            elif left[cid] and rnd() < DONE_FOLLOW_UP_SHARE:
                due_on = ordinal + 3 + int(rnd() * 12)
                if due_on <= today_ordinal:  # answered: a contact was logged on or after it
                    next_on = date.fromordinal(due_on).isoformat()
                    next_note = NEXT_NOTES[int(rnd() * len(NEXT_NOTES))]
                    follow_ups.append((cid, sid, iid, next_on, next_note, next_on, "contact logged", stamp))
            rows.append((iid, cid, sid, day, channels[int(rnd() * len(channels))], purpose,
                         NOTES[int(rnd() * len(NOTES))] if rnd() < 0.9 else None,
                         FEEDBACK[int(rnd() * len(FEEDBACK))] if rnd() < 0.3 else None, score,
                         next_on, next_note, stamp))
        self.contacted = list(counts)
        self.rows["interaction(id, customer_id, stakeholder_id, date, channel, purpose, note, feedback, "
                  "score, next_on, next_note, created_at)"] = rows
        self.rows["follow_up(customer_id, stakeholder_id, interaction_id, due_on, note, done_at, "
                  "done_note, created_at)"] = follow_ups

    # -- purchases, deals, facts (schema 0002) -------------------------------
    def _amount_cents(self, tier: str) -> int:
        yuan = TIER_VALUE_YUAN[tier] * self.rng.lognormvariate(0, 0.8)
        return max(100, int(round(yuan, -2))) * 100  # whole hundreds of yuan, in cents

    def purchases(self) -> None:
        """Stage follows purchases: first-time customers bought once, repeat and beyond twice or more."""
        r, today = self.rng, self.today
        total = self.args.purchases
        once = [c for c in range(1, self.n + 1) if self.stage[c] == "first-time"]
        again = [c for c in range(1, self.n + 1) if self.stage[c] in ("repeat", "client", "advocate", "lost")]
        counts: Counter[int] = Counter()
        if total >= len(once) + 2 * len(again):
            counts.update(once)
            counts.update(again)
            counts.update(again)
            if again:
                counts.update(r.choices(again, weights=[TIER_DEAL_WEIGHT[self.tier[c]] for c in again],
                                        k=total - len(once) - 2 * len(again)))
        elif once or again:
            counts.update(r.choices(once + again, k=total))
        found = []
        rnd = r.random
        for cid, k in counts.items():
            start = self.since[cid].toordinal()
            span = today.toordinal() - start + 1
            for _ in range(k):
                found.append((start + int(rnd() * span), cid, self._amount_cents(self.tier[cid]),
                              PRODUCTS[int(rnd() * len(PRODUCTS))]))
        found.sort()
        iso = {o: date.fromordinal(o).isoformat() for o in {row[0] for row in found}}
        self.purchase_rows = [(pid, cid, None, iso[o], cents, "CNY", product, None, f"{iso[o]}T15:00:00")
                              for pid, (o, cid, cents, product) in enumerate(found, 1)]

    def deals(self) -> None:
        """Won deals are purchases that came through the pipeline; the rest are open or lost."""
        r, today = self.rng, self.today
        total = self.args.deals
        n_won = min(int(total * DEAL_MIX["won"]), len(self.purchase_rows))
        n_lost = int(total * DEAL_MIX["lost"])
        won = r.sample(range(len(self.purchase_rows)), n_won)
        rows, changes = [], []
        did = 0
        for index in sorted(won):
            pid, cid, _, day, cents, cur, product, note, stamp = self.purchase_rows[index]
            did += 1
            self.purchase_rows[index] = (pid, cid, did, day, cents, cur, product, note, stamp)
            opened = max(self.since[cid], date.fromisoformat(day) - timedelta(days=r.randint(14, 120)))
            rows.append((did, cid, self._deal_contact(cid), f"{product}", cents, "CNY", day, "won",
                         r.choice(("hot", "warm")), None, day, None, self.stamp(opened), f"{day}T15:00:00"))
            changes += [(did, "lead", opened.isoformat(), None, self.stamp(opened)),
                        (did, "won", day, None, f"{day}T15:00:00")]
        candidates = [c for c in range(1, self.n + 1) if self.stage[c] != "lost"]
        weights = list(accumulate(TIER_DEAL_WEIGHT[self.tier[c]] for c in candidates))
        for k in range(total - n_won):
            cid = r.choices(candidates, cum_weights=weights)[0] if candidates else 1
            did += 1
            cents = self._amount_cents(self.tier[cid])
            product = r.choice(PRODUCTS)
            if k < n_lost:
                closed = today - timedelta(days=r.randint(1, CONTACT_WINDOW_DAYS))
                opened = max(self.since[cid], closed - timedelta(days=r.randint(14, 120)))
                closed = max(closed, opened)
                rows.append((did, cid, self._deal_contact(cid), product, cents, "CNY", closed.isoformat(),
                             "lost", None, None, closed.isoformat(), r.choice(LOST_REASONS),
                             self.stamp(opened), self.stamp(closed)))
                changes += [(did, "lead", opened.isoformat(), None, self.stamp(opened)),
                            (did, "lost", closed.isoformat(), None, self.stamp(closed))]
            else:
                # Expected within six months; a few have slipped (the close date passed).
                close_on = max(today + timedelta(days=r.randint(-14, 180)),
                               self.since[cid] + timedelta(days=r.randint(14, 60)))
                opened = min(today, max(self.since[cid], close_on - timedelta(days=r.randint(14, 120))))
                stage = r.choice(("lead", "qualified", "proposal", "negotiation"))
                rows.append((did, cid, self._deal_contact(cid), product, cents, "CNY", close_on.isoformat(),
                             stage, r.choice(("hot", "warm", "cold")), None, None, None,
                             self.stamp(opened), self.stamp(opened)))
                changes.append((did, stage, opened.isoformat(), None, self.stamp(opened)))
        self.rows["deal(id, customer_id, stakeholder_id, title, amount_cents, currency, close_on, stage, "
                  "intent, note, closed_on, lost_reason, created_at, updated_at)"] = rows
        self.rows["deal_stage_change(deal_id, stage, at, note, created_at)"] = changes
        self.rows["purchase(id, customer_id, deal_id, date, amount_cents, currency, product, note, "
                  "created_at)"] = self.purchase_rows

    def _deal_contact(self, cid: int) -> int | None:
        people = self.people[cid]
        return people[0] if people and self.rng.random() < 0.7 else None

    def facts(self) -> None:
        r, today = self.rng, self.today
        rows = []
        for _ in range(self.args.facts):
            cid = r.randint(1, self.n)
            key = r.choice(FACTS_PERSON if self.kind[cid] == "person" else FACTS_COMPANY)
            if key == "satisfaction":
                value = str(r.randint(2, 10))
            elif key == "mileage":
                value = str(r.randrange(5000, 200000, 500))
            elif key == "headcount":
                value = str(r.randrange(10, 5000, 10))
            elif key == "budget":
                value = str(r.randrange(10000, 2000000, 10000))
            else:
                value = r.choice(FACT_TEXT[key])
            number = float(value) if value.isdigit() else None
            at = self.since[cid] + timedelta(days=r.randint(0, (today - self.since[cid]).days))
            rows.append((cid, None, key, value, number, at.isoformat(), self.stamp(at)))
        self.rows["fact(customer_id, stakeholder_id, key, value, number, at, created_at)"] = rows


def _log(start: float, what: str) -> None:
    print(f"  {time.perf_counter() - start:6.1f}s  {what}", file=sys.stderr, flush=True)


def build(args: argparse.Namespace) -> None:
    path: Path = args.path
    if path.exists():
        if not args.force:
            sys.exit(f"{path} exists; pass --force to replace it.")
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            p.unlink(missing_ok=True)
    t0 = time.perf_counter()
    open_database(path).close()  # the schema, exactly as crm makes it (migrations included)
    _log(t0, "schema created by crm")

    book = Book(args)
    book.customers()
    book.stage_history()
    book.stakeholders()
    book.contacts()
    book.purchases()
    book.deals()
    book.facts()
    _log(t0, "rows generated")

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")  # a throwaway build: no rollback journal, no fsync
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -500000")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").fetchall()
    conn.execute("BEGIN")
    for name, _ in indexes:  # bulk load first, index once after
        conn.execute(f'DROP INDEX "{name}"')
    for table, rows in book.rows.items():
        width = table.count(",") + 1
        conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * width)})", rows)
        _log(t0, f"{len(rows):>9,} rows  {table.split('(')[0]}")
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    _log(t0, "indexes rebuilt")

    # The derived columns, by crm's own code, so the book is what crm would have written.
    db = Database(conn, str(path))
    cadences = dict(TIER_CADENCE_DAYS)
    customer_ids = range(1, args.customers + 1)
    conn.execute("BEGIN")
    refresh_last_contact(db, customer_ids)
    refresh_stakeholder_contact(db, range(1, args.stakeholders + 1))
    refresh_next_due(db, customer_ids, cadences)
    stage_moves.refresh(db)  # each stage change's from_stage and from_days
    purchase_totals.refresh(db)  # each customer's revenue, purchases and last purchase date
    conn.execute("COMMIT")
    _log(t0, "last_contact, next_due, stage moves and purchase totals set by crmcli.store")

    verify(db, args, cadences)
    _log(t0, f"verified on a sample of {min(args.verify, args.customers)} customers")
    conn.execute("PRAGMA journal_mode = WAL")  # as crm leaves every book
    conn.close()
    summary(path, args.today)
    _log(t0, f"done: {path} ({path.stat().st_size / 1e6:,.0f} MB)")


def verify(db: Database, args: argparse.Namespace, cadences: dict[str, int]) -> None:
    """Refreshing a sample again must change nothing, and last_contact must be max(date)."""
    rng = random.Random(args.seed + 1)
    sample = rng.sample(range(1, args.customers + 1), min(args.verify, args.customers))
    marks, params = db.in_list("c", sample)
    before = db.rows(f"SELECT id, last_contact, next_due FROM customer WHERE id IN {marks} ORDER BY id", params)
    expected = {r["customer_id"]: r["d"] for r in db.rows(
        f"SELECT customer_id, max(date) AS d FROM interaction WHERE customer_id IN {marks} GROUP BY customer_id",
        params)}
    wrong = [r["id"] for r in before if r["last_contact"] != expected.get(r["id"])]
    db.run("BEGIN")
    refresh_last_contact(db, sample)
    changed = refresh_next_due(db, sample, cadences)
    after = db.rows(f"SELECT id, last_contact, next_due FROM customer WHERE id IN {marks} ORDER BY id", params)
    db.run("ROLLBACK")
    if wrong or changed or after != before:
        sys.exit(f"verification failed: last_contact wrong for {wrong[:10]}, next_due changed for {changed}")


def summary(path: Path, today: date) -> None:
    conn = sqlite3.connect(path)
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (
        "customer", "stakeholder", "interaction", "follow_up", "deal", "purchase", "fact")}
    due = conn.execute(
        "SELECT count(*) FROM customer WHERE next_due <= ? AND (snoozed_until IS NULL OR snoozed_until <= ?)",
        (today.isoformat(), today.isoformat())).fetchone()[0]
    open_f = conn.execute("SELECT count(*) FROM follow_up WHERE done_at IS NULL").fetchone()[0]
    conn.close()
    print("  " + ", ".join(f"{n:,} {t}" for t, n in counts.items()), file=sys.stderr)
    print(f"  {due:,} customers due on {today} ({open_f:,} open follow-ups)", file=sys.stderr)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", type=Path, help="the SQLite file to create")
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--stakeholders", type=int, help="default: 2 per customer")
    p.add_argument("--contacts", type=int, help="default: 10 per customer, over the last two years")
    p.add_argument("--deals", type=int, help="default: 2 per customer")
    p.add_argument("--purchases", type=int, help="default: 5 per customer")
    p.add_argument("--facts", type=int, help="default: 1 per customer")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--today", type=date.fromisoformat, default=DEFAULT_TODAY,
                   help=f"the book's today (default {DEFAULT_TODAY}); time it with CRM_TODAY set to it")
    p.add_argument("--verify", type=int, default=1000, help="customers re-checked after the build")
    p.add_argument("--force", action="store_true", help="replace the file if it exists")
    args = p.parse_args(argv)
    if args.customers < 1:
        p.error("--customers must be at least 1")
    for name, per in (("stakeholders", 2), ("contacts", 10), ("deals", 2), ("purchases", 5), ("facts", 1)):
        if getattr(args, name) is None:
            setattr(args, name, per * args.customers)
        elif getattr(args, name) < 0:
            p.error(f"--{name} must not be negative")
    return args


if __name__ == "__main__":
    build(parse_args())
