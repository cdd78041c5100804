"""Domain models, one module per business domain. Importing this package declares them all."""
from app.models.audit import AuditLog  # noqa: F401
from app.models.billing import (  # noqa: F401
    Adjustment,
    BillingRule,
    Invoice,
    InvoiceFolder,
    InvoiceLine,
    InvoiceReminder,
    NumberSequence,
)
from app.models.bookings import Attendance, Booking, Period  # noqa: F401
from app.models.jobs import BackgroundJob  # noqa: F401
from app.models.journal import JournalEntry, JournalHead  # noqa: F401
from app.models.mail import OutgoingEmail  # noqa: F401
from app.models.messaging import Message, MessageAttachment, MessageRecipient  # noqa: F401
from app.models.payments import AccountEntry, Deposit, Payment, PaymentAllocation  # noqa: F401
from app.models.people import (  # noqa: F401
    ChildCare,
    Criterion,
    CriterionValue,
    Document,
    Guardianship,
    Household,
    HouseholdMember,
    Insurance,
    Person,
    PersonCriterion,
    PersonInsurance,
)
from app.models.portal import (  # noqa: F401
    Consent,
    ConsentAcceptance,
    GroupDocument,
    LoginLink,
    PortalAccount,
    PortalText,
)
from app.models.schooling import Enrollment, Level, School, SchoolClass, SchoolYear  # noqa: F401
from app.models.security import SyncedRole, UserSessionState  # noqa: F401
from app.models.sepa import Mandate  # noqa: F401
from app.models.services import (  # noqa: F401
    FamilyQuotient,
    Product,
    Regie,
    Service,
    Subscription,
    Tariff,
    TariffBracket,
)
