//! The sentences of [`Problem::message`], in Arabic, French and English: each says what is
//! wrong and how to fix it. Codes and field names stay in Latin script in every language.

use super::Problem;
use crate::lang::Lang;

/// Picks one of three translations.
fn pick(lang: Lang, ar: &str, fr: &str, en: &str) -> String {
    match lang {
        Lang::Ar => ar,
        Lang::Fr => fr,
        Lang::En => en,
    }
    .to_owned()
}

impl Problem {
    /// An actionable sentence in `lang` saying what is wrong and how to fix it.
    pub fn message(&self, lang: Lang) -> String {
        use Problem::*;
        let l = lang;
        match self {
            Required => pick(
                l,
                "هذا الحقل إلزامي.",
                "Ce champ est obligatoire.",
                "This field is required.",
            ),
            NeedsOneLanguage => pick(
                l,
                "أدخل النص بلغة واحدة على الأقل (العربية أو الفرنسية أو الإنجليزية).",
                "Saisissez le texte dans au moins une langue (arabe, français ou anglais).",
                "Enter the text in at least one language (Arabic, French or English).",
            ),
            InvalidId { kind } => pick(
                l,
                &format!("هذا ليس معرّفا صالحا من نوع {kind}."),
                &format!("Ce n'est pas un identifiant {kind} valide."),
                &format!("This is not a valid {kind} identifier."),
            ),
            NotFound { kind } => pick(
                l,
                &format!("لا يوجد سجل من نوع {kind} بهذا المعرّف؛ تحقق من الاختيار."),
                &format!(
                    "Aucun enregistrement {kind} ne porte cet identifiant ; vérifiez la sélection."
                ),
                &format!("No {kind} has this identifier; check the selection."),
            ),
            InvalidCountryCode => pick(
                l,
                "استعمل رمز بلد من حرفين وفق معيار ISO 3166-1، مثل MA أو FR.",
                "Utilisez un code pays ISO 3166-1 à deux lettres, par exemple MA ou FR.",
                "Use an ISO 3166-1 two-letter country code, such as MA or FR.",
            ),
            InvalidCurrencyCode => pick(
                l,
                "استعمل رمز عملة وفق معيار ISO 4217، مثل MAD أو EUR أو USD.",
                "Utilisez un code de devise ISO 4217, par exemple MAD, EUR ou USD.",
                "Use an ISO 4217 currency code, such as MAD, EUR or USD.",
            ),
            InvalidRegionCode => pick(
                l,
                "استعمل رمز جهة مغربية من MA-01 إلى MA-12.",
                "Utilisez un code de région marocaine, de MA-01 à MA-12.",
                "Use a Moroccan region code, from MA-01 to MA-12.",
            ),
            InvalidDate => pick(
                l,
                "أدخل التاريخ بالصيغة YYYY أو YYYY-MM أو YYYY-MM-DD.",
                "Saisissez la date au format AAAA, AAAA-MM ou AAAA-MM-JJ.",
                "Enter the date as YYYY, YYYY-MM or YYYY-MM-DD.",
            ),
            DateOrder { earlier_field } => pick(
                l,
                &format!("لا يمكن أن يكون هذا التاريخ سابقا لتاريخ {earlier_field}؛ صحّح أحدهما."),
                &format!(
                    "Cette date ne peut pas être antérieure à {earlier_field} ; corrigez l'une des deux."
                ),
                &format!("This date cannot be before {earlier_field}; correct one of them."),
            ),
            Negative => pick(
                l,
                "أدخل صفرا أو عددا موجبا.",
                "Saisissez zéro ou un nombre positif.",
                "Enter zero or a positive number.",
            ),
            MustBePositive => pick(
                l,
                "أدخل عددا أكبر من الصفر.",
                "Saisissez un nombre supérieur à zéro.",
                "Enter a number greater than zero.",
            ),
            InvalidNumber => pick(
                l,
                "أدخل عددا، مثل 1500 أو 1500.50.",
                "Saisissez un nombre, par exemple 1500 ou 1500.50.",
                "Enter a number, such as 1500 or 1500.50.",
            ),
            TooManyDecimals { max: 0 } => pick(
                l,
                "لا تقبل هذه العملة أرقاما عشرية؛ أدخل مبلغا صحيحا.",
                "Cette devise n'admet pas de décimales ; saisissez un montant entier.",
                "This currency has no decimals; enter a whole amount.",
            ),
            TooManyDecimals { max } => pick(
                l,
                &format!("استعمل {max} أرقام عشرية على الأكثر لهذه العملة."),
                &format!("Utilisez au plus {max} décimales pour cette devise."),
                &format!("Use at most {max} decimals for this currency."),
            ),
            TallyOrder => pick(
                l,
                "تحقق من الأعداد: لا يمكن أن يتجاوز عدد من أتمّوا التكوين عدد الحاضرين، ولا عدد الحاضرين عدد المسجلين.",
                "Vérifiez les effectifs : les participants ayant terminé ne peuvent dépasser les présents, ni les présents les inscrits.",
                "Check the numbers: completed cannot exceed attended, and attended cannot exceed enrolled.",
            ),
            DuplicateEntry => pick(
                l,
                "هذا العنصر مكرر؛ احذف النسخة الزائدة.",
                "Cette entrée figure deux fois ; supprimez le doublon.",
                "This entry is listed twice; remove the duplicate.",
            ),
            AtLeastOneRequired => pick(
                l,
                "أضف عنصرا واحدا على الأقل.",
                "Ajoutez au moins une entrée.",
                "Add at least one entry.",
            ),
            NotAParty => pick(
                l,
                "هذه الهيئة ليست طرفا في الاتفاقية؛ أضفها أولا إلى الأطراف.",
                "Cette organisation n'est pas partie à la convention ; ajoutez-la d'abord aux parties.",
                "This organisation is not a party to the agreement; add it to the parties first.",
            ),
            ExactlyOneTarget => pick(
                l,
                "اختر وجهة واحدة فقط للمساهمة: مشروعا أو اتفاقية أو دورة تكوينية.",
                "Choisissez une seule destination pour la contribution : un projet, une convention ou une session de formation.",
                "Choose exactly one destination for the contribution: a project, an agreement or a training session.",
            ),
            ForeignPartnerMustBeInternational => pick(
                l,
                "يوجد الشريك خارج المغرب، لذا يجب أن تكون الشراكة دولية (INTERNATIONAL).",
                "Le partenaire est établi hors du Maroc : le partenariat doit être INTERNATIONAL.",
                "The partner is based outside Morocco, so the partnership must be INTERNATIONAL.",
            ),
            ModalityDoesNotMatchScope => pick(
                l,
                "استعمل DIRECT_NATIONAL للشراكة الوطنية، وBILATERAL أو MULTILATERAL للشراكة الدولية.",
                "Utilisez DIRECT_NATIONAL pour un partenariat national, BILATERAL ou MULTILATERAL pour un partenariat international.",
                "Use DIRECT_NATIONAL for a national partnership, and BILATERAL or MULTILATERAL for an international one.",
            ),
            BilateralNeedsForeignAdministration => pick(
                l,
                "تتطلب الشراكة الثنائية أن يكون الشريك إدارة عمومية أجنبية (نوع IATI 10 أو 11 أو 15، أو الفئة FOREIGN_ADMINISTRATION).",
                "Un partenariat bilatéral requiert une administration publique étrangère (type IATI 10, 11 ou 15, ou catégorie FOREIGN_ADMINISTRATION).",
                "A bilateral partnership needs a foreign public administration as partner (IATI type 10, 11 or 15, or category FOREIGN_ADMINISTRATION).",
            ),
            MultilateralNeedsInternationalBody => pick(
                l,
                "تتطلب الشراكة متعددة الأطراف أن يكون الشريك منظمة دولية غير حكومية أو هيئة إقليمية أو متعددة الأطراف (نوع IATI 21 أو 23 أو 40).",
                "Un partenariat multilatéral requiert une ONG internationale, un organisme régional ou multilatéral (type IATI 21, 23 ou 40).",
                "A multilateral partnership needs an international NGO, a regional or a multilateral body as partner (IATI type 21, 23 or 40).",
            ),
            DirectNationalNeedsNationalPartner => pick(
                l,
                "تتطلب الشراكة الوطنية المباشرة شريكا يوجد في المغرب.",
                "Un partenariat national direct requiert un partenaire établi au Maroc.",
                "A direct national partnership needs a partner based in Morocco.",
            ),
            PartnerIsHome => pick(
                l,
                "لا يمكن للمندوبية العامة أن تكون شريكة لنفسها؛ اختر هيئة أخرى.",
                "La DGAPR ne peut pas être son propre partenaire ; choisissez une autre organisation.",
                "The home organisation cannot be its own partner; choose another organisation.",
            ),
            PercentageOutOfRange => pick(
                l,
                "أدخل نسبة مئوية بين 0 و100.",
                "Saisissez un pourcentage entre 0 et 100.",
                "Enter a percentage between 0 and 100.",
            ),
            PercentageTotalOver100 { vocabulary } => pick(
                l,
                &format!("مجموع النسب المئوية لقطاعات المعجم {vocabulary} يتجاوز 100؛ خفّض إحداها."),
                &format!(
                    "Les pourcentages des secteurs du vocabulaire {vocabulary} dépassent 100 au total ; réduisez-en un."
                ),
                &format!(
                    "The sector percentages of vocabulary {vocabulary} add up to more than 100; lower one of them."
                ),
            ),
            InvalidSectorVocabulary => pick(
                l,
                "استعمل رمز معجم قطاعات IATI (من 1 إلى 10، أو 98 أو 99).",
                "Utilisez un code de vocabulaire sectoriel IATI (1 à 10, 98 ou 99).",
                "Use an IATI sector vocabulary code (1 to 10, 98 or 99).",
            ),
            InvalidSectorCode { digits } => pick(
                l,
                &format!("استعمل رمزا من {digits} أرقام لهذا المعجم، مثل 15137."),
                &format!(
                    "Utilisez un code à {digits} chiffres pour ce vocabulaire, par exemple 15137."
                ),
                &format!("Use a {digits}-digit code for this vocabulary, such as 15137."),
            ),
            AmendmentNeedsParent => pick(
                l,
                "يجب أن يحدد الملحق التعديلي الاتفاقية التي يعدّلها.",
                "Un avenant doit indiquer la convention qu'il modifie.",
                "An amendment must name the agreement it amends.",
            ),
            InvalidUrl => pick(
                l,
                "أدخل عنوانا إلكترونيا كاملا يبدأ بـ http:// أو https://.",
                "Saisissez une adresse web complète commençant par http:// ou https://.",
                "Enter a full web address starting with http:// or https://.",
            ),
            TooLong { max } => pick(
                l,
                &format!("اختصر هذا النص إلى {max} حرفا على الأكثر."),
                &format!("Raccourcissez ce texte à {max} caractères au plus."),
                &format!("Shorten this text to at most {max} characters."),
            ),
            ForbiddenCharacters => pick(
                l,
                "احذف من هذا النص رموز التحكم أو رموز اتجاه الكتابة غير المرئية.",
                "Supprimez de ce texte les caractères invisibles de contrôle ou de direction d'écriture.",
                "Remove the invisible control or text-direction characters from this text.",
            ),
            LockedAfterValidation => pick(
                l,
                "تمت المصادقة على الدورة: أعدادها مقفلة ولا يمكن تغييرها.",
                "La session est validée : ses effectifs sont verrouillés et ne peuvent plus changer.",
                "The session is validated: its numbers are locked and cannot change.",
            ),
            NoSignatories => pick(
                l,
                "أضف طرفا موقّعا واحدا على الأقل (SIGNATORY أو CO_SIGNATORY) قبل التوقيع.",
                "Ajoutez au moins une partie SIGNATORY ou CO_SIGNATORY avant la signature.",
                "Add at least one SIGNATORY or CO_SIGNATORY party before signing.",
            ),
            UnsignedSignatories { count } => pick(
                l,
                &format!("يجب أن توقّع جميع الأطراف الموقعة: ينقص تاريخ توقيع {count} منها."),
                &format!(
                    "Tous les signataires doivent avoir signé : {count} date(s) de signature manquent."
                ),
                &format!("All signatories must have signed: {count} signing date(s) are missing."),
            ),
            ReasonRequired => pick(
                l,
                "اذكر سبب هذا التغيير.",
                "Indiquez le motif de ce changement.",
                "Give a reason for this change.",
            ),
            TerminationDateRequired => pick(
                l,
                "حدد تاريخ الفسخ.",
                "Indiquez la date de résiliation.",
                "Give the date of termination.",
            ),
            NoEffectiveDate => pick(
                l,
                "حدد أولا تاريخ بدء السريان (أو تاريخ التوقيع).",
                "Renseignez d'abord la date d'entrée en vigueur (ou de signature).",
                "Set the effective date (or the signing date) first.",
            ),
            NotYetEffective { effective_from } => pick(
                l,
                &format!(
                    "تسري الاتفاقية ابتداء من {effective_from}، ولا يمكن أن تدخل حيز التنفيذ قبل ذلك."
                ),
                &format!(
                    "La convention prend effet le {effective_from} ; elle ne peut pas entrer en vigueur avant."
                ),
                &format!(
                    "The agreement takes effect on {effective_from}; it cannot enter into force before then."
                ),
            ),
            NoEndDate => pick(
                l,
                "حدد أولا تاريخ انتهاء السريان.",
                "Renseignez d'abord la date de fin d'effet.",
                "Set the end date (effective to) first.",
            ),
            NotYetEnded { effective_to } => pick(
                l,
                &format!(
                    "تسري الاتفاقية إلى غاية {effective_to}، ولا تنتهي مدتها إلا بعد هذا التاريخ."
                ),
                &format!(
                    "La convention court jusqu'au {effective_to} ; elle ne peut expirer qu'après cette date."
                ),
                &format!(
                    "The agreement runs until {effective_to}; it can only expire after that date."
                ),
            ),
            AutoRenewal => pick(
                l,
                "تتجدد هذه الاتفاقية تلقائيا: تُمدَّد مدتها بدل أن تنتهي.",
                "Cette convention est reconduite tacitement : elle est prolongée, pas expirée.",
                "This agreement renews automatically: it is extended, not expired.",
            ),
            SuccessorExists => pick(
                l,
                "توجد اتفاقية تخلفها: سجّلها كاتفاقية معوَّضة بدل ذلك.",
                "Une convention lui succède : marquez-la plutôt comme remplacée.",
                "A successor agreement exists: mark this one as superseded instead.",
            ),
            NoSuccessor => pick(
                l,
                "لا توجد اتفاقية جديدة تعوّض هذه الاتفاقية؛ سجّل الاتفاقية الخلف أولا.",
                "Aucune convention ne remplace celle-ci ; enregistrez d'abord la convention qui lui succède.",
                "No agreement replaces this one; record the successor agreement first.",
            ),
            ActualStartRequired => pick(
                l,
                "سجّل أولا تاريخ البدء الفعلي للمشروع.",
                "Renseignez d'abord la date de début effective du projet.",
                "Record the project's actual start date first.",
            ),
            ActualEndRequired => pick(
                l,
                "سجّل أولا تاريخ الانتهاء الفعلي للمشروع.",
                "Renseignez d'abord la date de fin effective du projet.",
                "Record the project's actual end date first.",
            ),
            CommitmentsInProgress { count } => pick(
                l,
                &format!(
                    "لا يزال {count} من الالتزامات في طور الإنجاز: قم بتسويتها، أو اذكر سببا للإغلاق رغم ذلك."
                ),
                &format!(
                    "{count} engagement(s) encore en cours : soldez-les, ou indiquez un motif pour clôturer quand même."
                ),
                &format!(
                    "{count} commitment(s) still in progress: settle them, or give a reason to close anyway."
                ),
            ),
            NoTallies => pick(
                l,
                "أدخل أولا سطرا واحدا على الأقل من أعداد المشاركين.",
                "Saisissez d'abord au moins une ligne d'effectifs.",
                "Enter at least one tally of participants first.",
            ),
            ContactHoursRequired => pick(
                l,
                "أدخل أولا عدد ساعات التكوين (أكثر من صفر).",
                "Saisissez d'abord la durée de la formation en heures (plus de zéro).",
                "Enter the contact hours (more than zero) first.",
            ),
            InvalidDimensionValue { dimension } => pick(
                l,
                &format!("هذه القيمة ليست رمزا صالحا للبعد {dimension}؛ اختر رمزا من قائمته."),
                &format!(
                    "Cette valeur n'est pas un code de la dimension {dimension} ; choisissez un code de sa liste."
                ),
                &format!(
                    "This value is not a code of the {dimension} dimension; pick a code from its list."
                ),
            ),
            DisaggregationExceedsTotal => pick(
                l,
                "مجموع أجزاء هذا التوزيع يتجاوز القيمة الإجمالية؛ صحح الأجزاء أو المجموع.",
                "La somme des parts de cette ventilation dépasse le total ; corrigez les parts ou le total.",
                "The parts of this breakdown add up to more than the total; correct the parts or the total.",
            ),
            PercentageOver100 => pick(
                l,
                "هذا المؤشر نسبة مئوية: أدخل قيمة لا تتجاوز 100.",
                "Cet indicateur est un pourcentage : saisissez une valeur d'au plus 100.",
                "This indicator is a percentage: enter a value of at most 100.",
            ),
            MeasureFixedByPeriods => pick(
                l,
                "لهذا المؤشر فترات تقرير عُبّر عن أهدافها وقيمها المحققة بهذا المقياس، فلا يمكن تغييره؛ أنشئ مؤشرًا جديدًا بالمقياس الآخر.",
                "Cet indicateur a des périodes dont les cibles et les valeurs atteintes sont exprimées dans cette mesure : elle ne peut plus changer ; créez un nouvel indicateur avec l'autre mesure.",
                "This indicator has reporting periods whose targets and actuals are expressed in this measure, so it cannot change; create a new indicator with the other measure.",
            ),
            Other(text) => text.clone(),
        }
    }
}
